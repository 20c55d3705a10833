/**
 * Mustache-style placeholders in service data: `{{cry.probability}}` is replaced by that property of the
 * message (`msg.` may be written or left out). A string that is one placeholder alone takes the property's
 * value with its type (a number stays a number); otherwise values are inserted as text.
 */

/** Reads a dotted property path of an object. */
export function propertyAt(object: unknown, path: string): unknown {
  let value: unknown = object;
  for (const key of path.replace(/^msg\./, '').split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_$][\w$]*(?:\.[\w$]+)*)\s*\}\}/g;

/** Returns a copy of `template` with the placeholders filled from `msg`. */
export function fillTemplate(template: unknown, msg: object): unknown {
  if (typeof template === 'string') {
    const whole = /^\{\{\s*([A-Za-z_$][\w$]*(?:\.[\w$]+)*)\s*\}\}$/.exec(template);
    if (whole) return propertyAt(msg, whole[1]);
    return template.replace(PLACEHOLDER, (_, path: string) => {
      const value = propertyAt(msg, path);
      return value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
    });
  }
  if (Array.isArray(template)) return template.map((item) => fillTemplate(item, msg));
  if (template && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillTemplate(v, msg)]));
  }
  return template;
}
