/** Renderer entry: one Vue app, one Pinia. The api (preload or WebSocket) is resolved lazily by ipc/client. */
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import './assets/theme.css';

createApp(App).use(createPinia()).mount('#app');
