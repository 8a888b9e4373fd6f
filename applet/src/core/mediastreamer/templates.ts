// Expansion of the activation URL and body templates ({ip}, {token}). Values are encoded for
// where they land, so a token with `&`, `=`, `"` or `%` cannot change the request's shape.

/** Values a template may use. The token is a secret: the expanded text goes to curl on stdin,
 * never into argv or a log. */
export type TemplateValues = { ip: string; token: string }

/** How a body template is encoded: JSON when it looks like JSON, a form otherwise. */
export type BodyKind = 'json' | 'form'

function expand(template: string, values: TemplateValues, encode: (v: string) => string): string {
  return template.replace(/\{(ip|token)\}/g, (_m, name: 'ip' | 'token') => encode(values[name]))
}

/** The URL with {ip} and {token} replaced, each percent-encoded as a query or path component
 * (encodeURIComponent: `&`, `=`, `/`, `?`, `#`, `%` and spaces are all escaped). */
export function expandUrl(template: string, values: TemplateValues): string {
  return expand(template, values, encodeURIComponent)
}

/** JSON when the template starts with `{` or `[` (after spaces), else a urlencoded form. */
export function bodyKind(template: string): BodyKind {
  return /^\s*[[{]/.test(template) ? 'json' : 'form'
}

/** The Content-Type header value for a body template. */
export function bodyContentType(template: string): string {
  return bodyKind(template) === 'json' ? 'application/json' : 'application/x-www-form-urlencoded'
}

/** The body with {ip} and {token} replaced: JSON-string-escaped inside a JSON template (the
 * template supplies the quotes: `{"token":"{token}"}`), percent-encoded in a form. */
export function expandBody(template: string, values: TemplateValues): string {
  const jsonInner = (v: string) => JSON.stringify(v).slice(1, -1)
  return expand(template, values, bodyKind(template) === 'json' ? jsonInner : encodeURIComponent)
}
