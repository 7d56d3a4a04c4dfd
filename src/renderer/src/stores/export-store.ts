/**
 * The export dialog: which session, which format, the job writing it and the
 * file it wrote. Any panel opens the dialog through open(sessionId).
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { ExportedFile, ExportRequest } from '@shared/api/workbench';
import { getApi } from '@renderer/ipc/client';
import { useJobsStore } from './jobs-store';

export type ExportFormat = ExportRequest['format'];

/** The formats in the order the dialog offers them, with what each is for. */
export const EXPORT_FORMATS: readonly { readonly format: ExportFormat; readonly label: string; readonly hint: string }[] = [
  { format: 'pftrace', label: 'Perfetto (.pftrace)', hint: 'open in ui.perfetto.dev' },
  { format: 'chrome', label: 'Chrome JSON (.json)', hint: 'chrome://tracing, Perfetto, Trace Compass' },
  { format: 'iopftrace', label: 'Native (.iopftrace)', hint: 'lossless; imports back into the workbench' },
];

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const useExportStore = defineStore('export', () => {
  /** The session the open dialog exports; null when the dialog is closed. */
  const sessionId = ref<number | null>(null);
  const format = ref<ExportFormat>('pftrace');
  /** The job writing the file, while it runs. */
  const jobId = ref<string | null>(null);
  const result = shallowRef<ExportedFile | null>(null);
  const error = ref<string | null>(null);

  function open(id: number): void {
    sessionId.value = id;
    result.value = null;
    error.value = null;
  }

  function close(): void {
    sessionId.value = null;
  }

  /** Writes the session in the chosen format; the result names the file. */
  async function start(): Promise<ExportedFile | null> {
    const id = sessionId.value;
    if (id === null || jobId.value !== null) return null;
    const chosen = format.value;
    result.value = null;
    error.value = null;
    try {
      const file = await useJobsStore().run('export', `export #${id} as ${chosen}`, (job) => {
        jobId.value = job;
        return getApi().exportSession({ jobId: job, sessionId: id, format: chosen });
      });
      if (sessionId.value === id) result.value = file;
      return file;
    } catch (err) {
      if (sessionId.value === id) error.value = messageOf(err);
      return null;
    } finally {
      jobId.value = null;
    }
  }

  /** Stops the export under way. */
  async function cancel(): Promise<void> {
    if (jobId.value !== null) await useJobsStore().cancel(jobId.value);
  }

  return { sessionId, format, jobId, result, error, open, close, start, cancel };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useExportStore, import.meta.hot));
