/**
 * A short description of any value for an error message: never throws (circular objects, BigInt, getters that
 * throw) and never grows with the value (a 10 MB Buffer is "a Buffer of 10485760 bytes").
 */
export function describeValue(value: unknown, maxLength = 80): string {
  try {
    if (value === null) return 'null';
    if (value === undefined) return 'undefined';
    if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
    if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${value.byteLength} bytes`;
    if (typeof value === 'string') {
      return JSON.stringify(value.length > maxLength ? `${value.slice(0, maxLength)}…` : value);
    }
    if (typeof value === 'bigint') return `${value.toString().slice(0, maxLength)}n`;
    if (typeof value !== 'object') return String(value).slice(0, maxLength);
    if (Array.isArray(value)) return `an array of ${value.length}`;
    const keys = Object.keys(value);
    const listed = keys.slice(0, 5).join(', ');
    return `an object {${listed.length > maxLength ? `${listed.slice(0, maxLength)}…` : listed}${keys.length > 5 ? ', …' : ''}}`;
  } catch {
    return 'a value that cannot be described';
  }
}

/** Text with the user and password of every URL in it replaced (`rtsp://admin:secret@cam` → `rtsp://***@cam`). */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@');
}
