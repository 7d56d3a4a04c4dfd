/** Name and version, read from package.json at build time (bundlers inline it). */
import pkg from '../../package.json';

export const APP_NAME: string = pkg.productName;
export const APP_VERSION: string = pkg.version;
