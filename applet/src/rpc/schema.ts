// Argument schemas for rpc methods. Neither ubus nor rpcd type-checks exec-plugin arguments
// (openwrt-contracts §1), so every method validates its own input here, before anything is touched.
import type { RpcError } from '../core/api/calls'

/** One argument. `sample` is what rpcd's `list` shows (a type sample, not a type name). */
export type ArgSpec =
  | { type: 'string'; required?: boolean; maxLength: number; pattern?: RegExp; sample?: string }
  | { type: 'boolean'; required?: boolean }
  | { type: 'int'; required?: boolean; min: number; max: number }
  | { type: 'object'; required?: boolean; maxKeys: number }
  | { type: 'array'; required?: boolean; maxItems: number }

export type ArgSpecs = Record<string, ArgSpec>

/** The key uhttpd adds to every call's arguments (openwrt-contracts §1, §10.15). */
export const SESSION_KEY = 'ubus_rpc_session'

/** The JSON type sample rpcd turns into a blobmsg type: "s" string, true bool, 32 int32, {} table,
 * [] array. 8, 16 and 64 would select other widths, so numbers always use 32. */
export function typeSample(spec: ArgSpec): unknown {
  switch (spec.type) {
    case 'string':
      return spec.sample ?? 'str'
    case 'boolean':
      return true
    case 'int':
      return 32
    case 'object':
      return {}
    case 'array':
      return []
  }
}

function fail(field: string, message: string): RpcError {
  return { error: { code: 'invalid_argument', message: `${field}: ${message}`, field } }
}

function checkOne(field: string, spec: ArgSpec, value: unknown): RpcError | null {
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') return fail(field, 'must be a string')
      if (value.length > spec.maxLength)
        return fail(field, `must be at most ${spec.maxLength} characters`)
      if (spec.pattern && !spec.pattern.test(value)) return fail(field, 'has an invalid format')
      return null
    case 'boolean':
      return typeof value === 'boolean' ? null : fail(field, 'must be true or false')
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value))
        return fail(field, 'must be a whole number')
      if (value < spec.min || value > spec.max)
        return fail(field, `must be from ${spec.min} to ${spec.max}`)
      return null
    case 'object':
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return fail(field, 'must be an object')
      if (Object.keys(value).length > spec.maxKeys)
        return fail(field, `must have at most ${spec.maxKeys} keys`)
      return null
    case 'array':
      if (!Array.isArray(value)) return fail(field, 'must be an array')
      if (value.length > spec.maxItems)
        return fail(field, `must have at most ${spec.maxItems} items`)
      return null
  }
}

/** Checks `input` against `specs`: unknown keys (except the session key uhttpd adds), missing
 * required keys and wrong types are errors. Returns the arguments without the session key. */
export function validateArgs(
  specs: ArgSpecs,
  input: Record<string, unknown>
): { args: Record<string, unknown> } | RpcError {
  const args: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input)) {
    if (key === SESSION_KEY) continue
    const spec = Object.prototype.hasOwnProperty.call(specs, key) ? specs[key] : undefined
    if (!spec) return fail(key, 'unknown argument')
    const problem = checkOne(key, spec, value)
    if (problem) return problem
    args[key] = value
  }
  for (const [key, spec] of Object.entries(specs)) {
    if (spec.required && !(key in args)) return fail(key, 'is required')
  }
  return { args }
}
