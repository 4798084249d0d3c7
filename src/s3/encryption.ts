/** Server-side encryption S3 applies to new objects when asked (`--sse`); else the bucket's default. */
export const SSE_MODES = ['AES256', 'aws:kms'] as const;
export type SseMode = (typeof SSE_MODES)[number];
