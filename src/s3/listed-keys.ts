/**
 * Keys of a listing as stored. Asked for `EncodingType: url` (XML 1.0 cannot carry every
 * character a key may hold: a CR comes back as LF, most other control characters not at all), S3
 * sends them form-encoded, a space as `+`; a store that ignores the request sends them plain, `%`
 * and all, and says no `EncodingType`.
 */
export function listedKeyDecoder(encodingType: string | undefined): (key: string) => string {
  return encodingType === 'url'
    ? (key) => decodeURIComponent(key.replaceAll('+', '%20'))
    : (key) => key;
}
