// The rpcd session: who is logged in, and the one place that notices an expired session. Every
// authenticated call goes through `call`/`readFile` here, so an expiry anywhere shows the password
// prompt once, keeps whatever the page holds, and retries the failed requests after the re-login.
import { signal, type ReadonlySignal, type Signal } from '../signals'
import {
  asError,
  createUbusClient,
  NULL_SID,
  SessionExpiredError,
  type UbusClient,
  type UbusClientOptions,
} from '../api/ubus'

/** `loggingIn` is the first login only; a re-login after expiry stays `expired` (with `isBusy`)
 * until it succeeds, so the page under the prompt is not torn down. */
export type LoginState = 'loggedOut' | 'loggingIn' | 'loggedIn' | 'expired'

/** Rejects requests that were waiting for a re-login when the user logged out instead. */
export class LoggedOutError extends Error {
  override name = 'LoggedOutError'
  constructor() {
    super('logged out')
  }
}

/** The session's state and actions. */
export type Session = {
  /** The rpcd session id, or the null session when logged out. */
  sid: ReadonlySignal<string>
  username: ReadonlySignal<string>
  loginState: ReadonlySignal<LoginState>
  /** A login request is on its way. */
  isBusy: ReadonlySignal<boolean>
  /** Why the last login failed (UbusError 6 for a wrong password); null after a success. */
  loginError: Signal<Error | null>
  /** Logs in; never throws (failures land in loginError). Resolves true on success. */
  login(username: string, password: string): Promise<boolean>
  /** Destroys the session on the router (best effort) and forgets it here. */
  logout(): Promise<void>
  /** An authenticated ubus call. On expiry: state `expired`, wait for re-login, retry once. */
  call<T>(object: string, method: string, args?: Record<string, unknown>): Promise<T>
  /** An authenticated call for something optional (the installed languages): an access denial
   * rejects with SessionExpiredError but does not mark the session expired, since an ACL that
   * does not grant it is not an expiry; a real expiry shows on the next ordinary call. */
  callOptional<T>(object: string, method: string, args?: Record<string, unknown>): Promise<T>
  /** An authenticated `file.read`, with the same expiry handling as `call`. */
  readFile(path: string): Promise<string>
  /** The method names of a ubus object (`list` needs no session; [] when it is not there). */
  listMethods(object: string): Promise<string[]>
}

/** Options for tests; the app uses the defaults. */
export type SessionOptions = Omit<UbusClientOptions, 'sid'> & {
  /** Where the session id survives a reload; null disables persistence. */
  storage?: Storage | null
}

const STORAGE_KEY = 'lanvpn.session'

/** Creates a session model, restoring a session id kept in sessionStorage (a reload keeps the
 * login; the first request tells whether it is still valid). */
export function createSession(options: SessionOptions = {}): Session {
  const storage = options.storage === undefined ? defaultStorage() : options.storage
  const saved = restore(storage)
  const sid = signal(saved?.sid ?? NULL_SID)
  const username = signal(saved?.username ?? '')
  const loginState = signal<LoginState>(saved ? 'loggedIn' : 'loggedOut')
  const isBusy = signal(false)
  const loginError = signal<Error | null>(null)
  const client: UbusClient = createUbusClient({ ...options, sid: () => sid.peek() })

  // Requests parked during an expiry wait on this; resolved by a login, rejected by a logout.
  let relogin: { promise: Promise<void>; resolve(): void; reject(e: Error): void } | null = null

  function waitForLogin(): Promise<void> {
    if (!relogin) {
      let resolve!: () => void
      let reject!: (e: Error) => void
      const promise = new Promise<void>((res, rej) => {
        resolve = res
        reject = rej
      })
      promise.catch(() => {}) // a logout with nobody waiting is not an unhandled rejection
      relogin = { promise, resolve, reject }
    }
    return relogin.promise
  }

  async function authed<T>(request: () => Promise<T>): Promise<T> {
    if (loginState.peek() === 'loggedOut') throw new LoggedOutError()
    if (loginState.peek() === 'expired') await waitForLogin()
    const usedSid = sid.peek()
    try {
      return await request()
    } catch (e) {
      if (!(e instanceof SessionExpiredError)) throw e
      // Another request may already have noticed, and the user may already have logged in again.
      if (sid.peek() === usedSid) {
        if (loginState.peek() === 'loggedOut') throw new LoggedOutError()
        loginState.value = 'expired'
        await waitForLogin()
      }
      // Retried once: a second −32002 right after a login is an ACL denial, not an expiry.
      return request()
    }
  }

  async function login(user: string, password: string): Promise<boolean> {
    if (isBusy.peek()) return false
    const wasExpired = loginState.peek() === 'expired'
    isBusy.value = true
    if (!wasExpired) loginState.value = 'loggingIn'
    try {
      const result = await client.login(user, password)
      sid.value = result.sid
      username.value = result.username
      loginError.value = null
      loginState.value = 'loggedIn'
      persist(storage, result)
      relogin?.resolve()
      relogin = null
      return true
    } catch (e) {
      loginError.value = asError(e)
      if (!wasExpired) loginState.value = 'loggedOut'
      return false
    } finally {
      isBusy.value = false
    }
  }

  async function logout(): Promise<void> {
    const wasLoggedIn = loginState.peek() === 'loggedIn'
    try {
      if (wasLoggedIn) await client.logout()
    } catch {
      // Already expired or unreachable: forgetting it here is all that is left to do.
    }
    sid.value = NULL_SID
    username.value = ''
    loginError.value = null
    loginState.value = 'loggedOut'
    persist(storage, null)
    relogin?.reject(new LoggedOutError())
    relogin = null
  }

  return {
    sid,
    username,
    loginState,
    isBusy,
    loginError,
    login,
    logout,
    call: (object, method, args) => authed(() => client.call(object, method, args)),
    callOptional: (object, method, args) => client.call(object, method, args),
    readFile: (path) => authed(() => client.readFile(path)),
    listMethods: (object) => client.listMethods(object),
  }
}

function defaultStorage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null
  } catch {
    return null // storage disabled by the browser
  }
}

function restore(storage: Storage | null): { sid: string; username: string } | null {
  try {
    const saved = JSON.parse(storage?.getItem(STORAGE_KEY) ?? 'null') as unknown
    if (saved && typeof saved === 'object') {
      const { sid, username } = saved as Record<string, unknown>
      if (typeof sid === 'string' && /^[0-9a-f]{32}$/.test(sid) && sid !== NULL_SID)
        return { sid, username: typeof username === 'string' ? username : '' }
    }
  } catch {
    // unreadable: start logged out
  }
  return null
}

function persist(storage: Storage | null, value: { sid: string; username: string } | null): void {
  try {
    if (value) storage?.setItem(STORAGE_KEY, JSON.stringify(value))
    else storage?.removeItem(STORAGE_KEY)
  } catch {
    // quota or privacy mode: the login just does not survive a reload
  }
}
