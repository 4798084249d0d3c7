import S3Error from 's3rver/lib/models/error.js';

/**
 * An error s3rver turns into S3's XML error body (`<Error><Code>…</Code><Message>…</Message>…`)
 * with `status`. Detail fields become extra elements, in order, as S3 adds them (e.g. `Size`,
 * `MaxSizeAllowed`). Pass `status` for codes s3rver's own table does not know.
 */
export function s3Error(
  code: string,
  message: string,
  detail: Record<string, string | number> = {},
  status?: number,
): S3Error {
  const error = new S3Error(code, message, detail);
  if (status !== undefined) error.status = status;
  return error;
}

/**
 * The answer for anything real S3 does but this harness does not: 501 `NotImplemented`, with a
 * message saying what to do instead, so a test never passes against behaviour nobody emulates.
 */
export function notImplemented(what: string, instead: string): S3Error {
  return s3Error(
    'NotImplemented',
    `${what} is not implemented by the local S3 harness. ${instead}`,
  );
}

export function noSuchUpload(uploadId: string): S3Error {
  return s3Error(
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    { UploadId: uploadId },
  );
}

export function malformedXml(): S3Error {
  return s3Error(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema.',
  );
}

export function isErrnoException(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}
