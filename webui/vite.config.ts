// The web UI build: served by uhttpd from /www/lanvpn/ (openwrt-contracts §3.3), so relative URLs,
// `.js` only (uhttpd serves .mjs as application/octet-stream and browsers then refuse the module),
// no source maps on the router, and as few files as possible (uhttpd does not compress; the first
// view's budget is 70 KB and 4 requests, product.md Budgets).
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../dist/www',
    emptyOutDir: true,
    sourcemap: false,
    // One entry chunk and one stylesheet: the first view is index.html + 1 js + 1 css.
    modulePreload: false,
    cssCodeSplit: false,
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    rolldownOptions: {
      output: {
        entryFileNames: 'assets/[name]-[hash].js',
        chunkFileNames: 'assets/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
    },
  },
  server: {
    // `LANVPN_UBUS=http://192.168.1.1 npx vite --config webui/vite.config.ts` develops against a
    // real router (or the dev router) without CORS: the dev server forwards /ubus.
    proxy: process.env.LANVPN_UBUS ? { '/ubus': process.env.LANVPN_UBUS } : undefined,
  },
})
