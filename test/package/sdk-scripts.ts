// The maintainer scripts the OpenWrt SDK makes of a feed package's Package/<pkg>/postinst, prerm and
// postrm (openwrt/openwrt include/package-pack.mk), line for line, for the tests that run them in a
// scratch root (test/package/sdk-hooks.test.ts, test/e2e/upgrade-lab.test.ts):
//
//   opkg (24.10): postinst and prerm are wrappers that source /lib/functions.sh and call
//     default_postinst / default_prerm with the wrapper's path and arguments; the package's own
//     scripts ship as postinst-pkg / prerm-pkg, which those functions source in a subshell; postrm
//     ships as it is.
//   apk (25.12): post-install is the same wrapper with `pkgname` exported, calling default_postinst
//     and then the package's postinst inline; post-upgrade is `export PKG_UPGRADE=1` and then
//     post-install; pre-deinstall calls default_prerm and then the package's prerm inline;
//     post-deinstall is the postrm. No preinst, so no pre-install or pre-upgrade.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export type PackageManager = 'opkg' | 'apk'

const FIXTURES = join(import.meta.dirname, 'fixtures')

/** package-pack.mk's `sed '/^\s*#!/d'`: the package's script without its shebang line. */
const withoutShebang = (text: string) => text.replace(/^\s*#!.*\n/gm, '')

/** The scripts the SDK packs for `pkgname` from the postinst/prerm/postrm in controlDir, by the name
 * each has in the package (opkg: its control.tar.gz; apk: the --script names of `apk mkpkg`). */
export function sdkScripts(
  controlDir: string,
  pkgname: string,
  manager: PackageManager
): Record<string, string> {
  const own = (name: string) => readFileSync(join(controlDir, name), 'utf8')
  if (manager === 'opkg')
    return {
      postinst:
        '#!/bin/sh\n' +
        '[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0\n' +
        '[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n' +
        '. ${IPKG_INSTROOT}/lib/functions.sh\n' +
        'default_postinst $0 $@\n',
      prerm:
        '#!/bin/sh\n' +
        '[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n' +
        '. ${IPKG_INSTROOT}/lib/functions.sh\n' +
        'default_prerm $0 $@\n',
      'postinst-pkg': own('postinst'),
      'prerm-pkg': own('prerm'),
      postrm: own('postrm'),
    }
  const postInstall =
    '#!/bin/sh\n' +
    '[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0\n' +
    '[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n' +
    '. ${IPKG_INSTROOT}/lib/functions.sh\n' +
    'export root="${IPKG_INSTROOT}"\n' +
    `export pkgname="${pkgname}"\n` +
    'add_group_and_user\n' +
    'default_postinst\n' +
    withoutShebang(own('postinst'))
  return {
    'post-install': postInstall,
    'post-upgrade': '#!/bin/sh\nexport PKG_UPGRADE=1\n' + withoutShebang(postInstall),
    'pre-deinstall':
      '#!/bin/sh\n' +
      '[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n' +
      '. ${IPKG_INSTROOT}/lib/functions.sh\n' +
      'export root="${IPKG_INSTROOT}"\n' +
      `export pkgname="${pkgname}"\n` +
      'default_prerm\n' +
      withoutShebang(own('prerm')),
    'post-deinstall': own('postrm').replace(/^\s*#!/, '#!'),
  }
}

/** A maintainer script as it runs against a scratch root on this machine: absolute paths under
 * /etc, /usr, /var, /lib and /tmp point into `root`, /etc/init.d/<service> runs `initd`/<service>,
 * and /lib/functions.sh is the stand-in test/package/fixtures/functions.sh (which finds the device's
 * files through DEVICE_ROOT and DEVICE_INITD: see `deviceEnv`). */
export function forScratchRoot(text: string, root: string, initd: string): string {
  return text
    .replaceAll('${IPKG_INSTROOT}/lib/functions.sh', `\${IPKG_INSTROOT}${FIXTURES}/functions.sh`)
    .replace(/(^|[\s"'=(])\/(etc|usr|var|lib|tmp)\//gm, `$1${root}/$2/`)
    .replaceAll(`${root}/etc/init.d/`, `${initd}/`)
}

/** The environment the functions.sh stand-in reads: where the device's root and init scripts are. */
export const deviceEnv = (root: string, initd: string) => ({
  DEVICE_ROOT: root,
  DEVICE_INITD: initd,
})
