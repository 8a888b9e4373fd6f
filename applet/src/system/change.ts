// The one way lanvpn changes /etc/config/lanvpn, for the rpc methods and the `lanvpn` commands
// alike: under the config locks (lanvpn's and libuci's, system/files.ts), load the file, edit the
// document (the edits are core's, pure, and each says which problems refuse it), write the secrets
// the change brings, save the file (only when its text changes), then wake the daemon once. A
// refusal leaves the file and the secrets as they were.
import type { RpcError, SetConfigResult } from '../core/api/calls'
import type { Config, ConfigProblem } from '../core/config/types'
import { parseConfig } from '../core/config/validate'
import { errorText } from '../core/errors'
import { fnv1a } from '../core/hash'
import type { Paths } from '../core/paths'
import type { UciDoc } from '../core/uci/doc'
import { renderUci } from '../core/uci/render'
import type { Host } from '../host/host'
import { notifyDaemon, withConfigLock, writeSecret, type SecretName } from './files'

/** The config as a change starts from: the file's text, its document, what it means and the
 * problems it has already. */
export type Loaded = { text: string; doc: UciDoc; config: Config; problems: ConfigProblem[] }

/** What an edit came to: the next document, or the problems that refuse it. `secrets` are written
 * before the file (a profile never names a key that is not there) and removed again if the file
 * cannot be saved; `afterSave` runs once it is (deleting the secrets nothing names any more);
 * `also` joins the answer (an import's id and notes). */
export type Edited<T extends object> =
  | {
      doc: UciDoc
      secrets?: Array<[SecretName, string]>
      afterSave?: () => void
      also?: T
    }
  | { problems: ConfigProblem[] }

/** The config problems as one error: the first names the field, all of them come along. */
export function configError(problems: ConfigProblem[]): RpcError {
  const first = problems[0]
  const where = first ? [first.section, first.option].filter(Boolean).join('.') : ''
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''
  return {
    error: {
      code: 'invalid_config',
      message: first ? `${where ? `${where}: ` : ''}${first.reason}${more}` : 'invalid config',
      field: where || undefined,
      problems,
    },
  }
}

/** Loads the config from its text; a file that is not UCI at all is an error (nothing can be
 * edited in it). */
export function loadConfig(text: string): Loaded | RpcError {
  const { doc, config, problems } = parseConfig(text)
  const syntax = problems.find((p) => p.section === '' && p.option === '')
  return syntax ? configError([syntax]) : { text, doc, config, problems }
}

/** Runs one change of the config (see the top of this file). */
export function changeConfig<T extends object = object>(
  host: Host,
  paths: Paths,
  edit: (loaded: Loaded) => Edited<T> | RpcError
): Promise<(SetConfigResult & T) | RpcError> {
  return withConfigLock(host, paths, (file) => {
    const loaded = loadConfig(file.text)
    if ('error' in loaded) return loaded
    const edited = edit(loaded)
    if ('error' in edited) return edited
    if ('problems' in edited) return configError(edited.problems)
    const text = renderUci(edited.doc)
    const written: SecretName[] = []
    try {
      for (const [name, value] of edited.secrets ?? []) {
        writeSecret(host, paths, name, value)
        written.push(name)
      }
      if (text !== loaded.text || file.isMissing) file.save(text)
    } catch (e) {
      for (const name of written) {
        try {
          writeSecret(host, paths, name, '')
        } catch {
          // Keep going: remove as many as possible; the original error is what the caller needs.
        }
      }
      throw new Error(`saving ${paths.config}: ${errorText(e)}`, { cause: e })
    }
    edited.afterSave?.()
    const saved = { ok: true, configHash: fnv1a(text), daemonNotified: notifyDaemon(host, paths) }
    return { ...saved, ...edited.also } as SetConfigResult & T
  })
}
