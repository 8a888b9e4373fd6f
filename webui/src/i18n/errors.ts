// Errors in the user's words. Models keep Error objects; only the page turns them into text, so a
// language switch re-translates an error already on screen.
import { asError, NetworkError, UBUS_STATUS, UbusError } from '../api/ubus'
import { t } from './index'

/** A translated sentence for any error a request can end with. */
export function describeError(e: unknown): string {
  if (e instanceof NetworkError) return e.isTimeout ? t('error.timeout') : t('error.network')
  if (e instanceof UbusError) {
    if (e.status === UBUS_STATUS.PERMISSION_DENIED) return t('error.access')
    if (e.status === UBUS_STATUS.TIMEOUT) return t('error.timeout')
  }
  // The rest are rare and technical: name them as the router did, for a bug report.
  return t('error.other', { message: asError(e).message })
}

/** A failed login: a wrong password (ubus status 6) says so; anything else as describeError. */
export function describeLoginError(e: unknown): string {
  if (e instanceof UbusError && e.status === UBUS_STATUS.PERMISSION_DENIED)
    return t('login.errorDenied')
  return describeError(e)
}
