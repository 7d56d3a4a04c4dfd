import { describe, expect, it } from 'vitest';
import { FakeApi } from '@renderer/testing/fake-api';
import { uploadTrace, type UploadProgress } from './upload-trace';

describe('uploadTrace', () => {
  it('begins an upload, sends every chunk in order, then imports with the job id', async () => {
    const api = new FakeApi();
    const received: { offset: number; data: string }[] = [];
    api.answers.beginUpload = async (r) => {
      expect(r).toEqual({ fileName: 'run.iopftrace', bytes: 10 });
      return { uploadId: 'u1' };
    };
    api.answers.uploadChunk = async (r) => {
      expect(r.uploadId).toBe('u1');
      received.push({ offset: r.offset, data: r.data });
    };
    api.answers.importTrace = async (r) => {
      expect(r).toEqual({ jobId: 'job-1', uploadId: 'u1' });
      return { sessionId: 7, format: 'iopftrace', events: 3 };
    };
    const progress: UploadProgress[] = [];
    const file = new File([new TextEncoder().encode('0123456789')], 'run.iopftrace');
    const imported = await uploadTrace(api, file, { jobId: 'job-1', chunkBytes: 4, onProgress: (p) => progress.push(p) });
    expect(imported.sessionId).toBe(7);
    expect(received.map((c) => c.offset)).toEqual([0, 4, 8]);
    expect(received.map((c) => Buffer.from(c.data, 'base64').toString()).join('')).toBe('0123456789');
    expect(api.calls).toEqual(['beginUpload', 'uploadChunk', 'uploadChunk', 'uploadChunk', 'importTrace']);
    expect(progress.map((p) => `${p.phase}:${p.done}`)).toEqual(['uploading:0', 'uploading:4', 'uploading:8', 'uploading:10', 'importing:0']);
  });

  it('stops at the first refused chunk and never calls importTrace', async () => {
    const api = new FakeApi();
    api.answers.beginUpload = async () => ({ uploadId: 'u' });
    api.answers.uploadChunk = async () => {
      throw new Error('upload u: chunk at 0 exceeds 512 KiB');
    };
    const file = new File(['abc'], 'x.json');
    await expect(uploadTrace(api, file, { jobId: 'j' })).rejects.toThrow(/exceeds 512 KiB/);
    expect(api.calls).not.toContain('importTrace');
  });
});
