/**
 * Import of a trace file through the WorkbenchApi: beginUpload, the chunks in
 * order, then importTrace, which the host runs as a job. Progress is reported
 * in bytes while uploading and from the host's job messages after that.
 */
import type { ImportedSession, WorkbenchApi } from '@shared/api/workbench';
import { base64Chunks, UPLOAD_CHUNK_BYTES } from './upload-chunks';

export interface UploadProgress {
  readonly phase: 'uploading' | 'importing';
  readonly done: number;
  readonly total: number | null;
}

export interface UploadTraceOptions {
  /** Job id for importTrace (its onJobProgress messages carry it). */
  readonly jobId: string;
  readonly onProgress?: (p: UploadProgress) => void;
  readonly chunkBytes?: number;
}

type UploadApi = Pick<WorkbenchApi, 'beginUpload' | 'uploadChunk' | 'importTrace'>;

export async function uploadTrace(api: UploadApi, file: File | (Blob & { name: string }), options: UploadTraceOptions): Promise<ImportedSession> {
  const { uploadId } = await api.beginUpload({ fileName: file.name, bytes: file.size });
  options.onProgress?.({ phase: 'uploading', done: 0, total: file.size });
  for await (const chunk of base64Chunks(file, options.chunkBytes ?? UPLOAD_CHUNK_BYTES)) {
    await api.uploadChunk({ uploadId, offset: chunk.offset, data: chunk.data });
    options.onProgress?.({ phase: 'uploading', done: chunk.offset + chunk.bytes, total: file.size });
  }
  options.onProgress?.({ phase: 'importing', done: 0, total: null });
  return api.importTrace({ jobId: options.jobId, uploadId });
}
