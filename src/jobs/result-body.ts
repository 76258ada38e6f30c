/**
 * A job result download as the parsers receive it: the length-checked body stream, the metadata
 * the format check reads (Content-Type, Content-Disposition, Content-Encoding), a file name for
 * error messages, and the declared length for progress. Every adapter's download ends here.
 */
import { dispositionFileName } from '../formats/body.js';
import type { ResultBody } from '../formats/types.js';
import type { HttpResponse } from '../http/types.js';

export function resultBodyOf(res: HttpResponse, jobId: string): { body: ResultBody; contentLength?: number } {
  const header = (name: string): string | undefined => res.headers.get(name) ?? undefined;
  const disposition = header('content-disposition');
  const named = dispositionFileName(disposition);
  const length = header('content-length');
  return {
    body: {
      stream: res.stream(),
      fileName: named === undefined ? `job ${jobId} result` : `job ${jobId} result ${named}`,
      contentType: header('content-type'),
      contentDisposition: disposition,
      contentEncoding: header('content-encoding'),
    },
    ...(length !== undefined && /^\d+$/.test(length) ? { contentLength: Number(length) } : {}),
  };
}
