import assert from 'node:assert/strict';
import { MigrationError, type FailureClass, type FailureKind } from '../../src/errors.ts';

/** Every byte of a body (a download, an export, an object read back). */
export async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const pieces: Uint8Array[] = [];
  for await (const piece of body) pieces.push(piece);
  return Buffer.concat(pieces);
}

/** The call fails with a MigrationError of this kind and class. */
export async function assertFailsAs(
  call: Promise<unknown>,
  kind: FailureKind,
  failureClass: FailureClass,
): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof MigrationError, String(error));
    assert.equal(`${error.kind} ${error.failureClass}`, `${kind} ${failureClass}`, error.message);
    return true;
  });
}
