/**
 * One readable sentence for a failed connection (Home Assistant's websocket/REST API or an MQTT broker): the cause
 * from the system error code (DNS, refused, timeout, TLS) instead of "cannot connect", and never a password: URLs
 * are shown without their user:password part.
 */
import { redactCredentials } from '../describe';

/** The URL without user and password (`mqtt://user:pw@host` -> `mqtt://host`); unparseable text is shortened. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return redactCredentials(url);
  }
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** The system error code of an error, looking through `cause` (fetch wraps the socket error). */
export function errorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** "cannot resolve homeassistant.local (DNS)", "connection refused by 127.0.0.1:8123", … */
export function describeConnectionError(error: unknown, url: string): string {
  let host = url;
  try {
    const parsed = new URL(url);
    host = parsed.host;
  } catch {
    // keep the text as given
  }
  const code = errorCode(error);
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve ${host.replace(/:\d+$/, '')} (DNS): check the host name`;
    case 'ECONNREFUSED':
      return `connection refused by ${host}: nothing listens there (is it running, is the port right?)`;
    case 'ETIMEDOUT':
    case 'ECONNABORTED':
      return `no answer from ${host} (timed out)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${host} is unreachable from this machine (network)`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `${host} closed the connection`;
    default:
      if (code && TLS_CODES.has(code)) return `TLS failed with ${host}: ${code}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `${redactCredentials(message)}${code ? ` (${code})` : ''}`;
}
