import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The admin console build: hashed files under `dist/assets/` (the server caches them as immutable),
 * no inline scripts (the server's CSP is `default-src 'self'`). `npm run dev` proxies the API to a
 * running server on RISKGATE_URL (default http://127.0.0.1:8080).
 */
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    proxy: {
      '/v1': process.env.RISKGATE_URL ?? 'http://127.0.0.1:8080',
      '/openapi.json': process.env.RISKGATE_URL ?? 'http://127.0.0.1:8080',
    },
  },
});
