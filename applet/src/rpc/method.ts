// What one rpc method is: its argument schema and its implementation. Apart from methods.ts so the
// fragments (config.ts, devices.ts, …) that methods.ts assembles do not import it back.
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'
import type { ArgSpecs } from './schema'

/** What a method gets besides its arguments. */
export type RpcContext = { host: Host; paths: Paths }

export type Method = {
  /** Argument schema; also the source of rpcd's `list` type samples. */
  args: ArgSpecs
  call: (ctx: RpcContext, args: Record<string, unknown>) => Promise<object>
}

export type MethodTable = Record<string, Method>
