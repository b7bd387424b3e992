/** TLS defaults, apart from the app so that the option table can name them without Fastify. */

/**
 * Mozilla's "intermediate" configuration (v5.7) without the DHE suites (which need DH
 * parameters Node does not set): TLS 1.3's three suites, then ECDHE with AES-GCM or
 * ChaCha20-Poly1305 for TLS 1.2. AEAD only: no CBC, no SHA-1 MAC, no RSA key exchange.
 */
export const DEFAULT_TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':')
