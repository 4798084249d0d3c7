// An upload S3 aborted while a big file was being resumed (our AbortIncompleteMultipartUpload
// rule, or a person): UploadPart and CompleteMultipartUpload answer NoSuchUpload. That must be
// retried (the chunk drops the file's checkpoint, so the retry starts a new upload), never a
// permanent failure. ListParts answering NoSuchUpload on resume is covered in
// test/integration/bigfiles.test.ts (the transfer starts over).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NoSuchUpload } from '@aws-sdk/client-s3';
import { classifyS3Error } from '../../src/s3/errors.ts';

test('NoSuchUpload on a part or on Complete is retryable: the file starts over', () => {
  const error = new NoSuchUpload({
    message: 'The specified upload does not exist.',
    $metadata: { httpStatusCode: 404 },
  });
  const classified = classifyS3Error(error, 'uploading part 3 of big.bin', 'bucket');
  assert.equal(classified.kind, 'retryable');
  assert.equal(classified.failureClass, 'upload_lost');
  assert.match(classified.message, /starts over/);
});
