/**
 * The floor: what any Fastify HTTPS admission server pays per request. It parses the same body
 * (Fastify's JSON parser) and returns a fixed AdmissionReview that echoes the uid. Nothing else.
 * Run by bench/webhook.ts: node --import tsx bench/floor-server.ts <cert dir> <port>
 */
import Fastify from 'fastify'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const [certDir = '.', port = '18443'] = process.argv.slice(2)
const app = Fastify({
  logger: false,
  bodyLimit: 4 * 1024 * 1024,
  https: {
    cert: readFileSync(join(certDir, 'tls.crt')),
    key: readFileSync(join(certDir, 'tls.key')),
  },
})
const answer = (body: unknown): unknown => {
  const uid = (body as { request?: { uid?: string } }).request?.uid ?? ''
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid, allowed: true },
  }
}
app.post('/validate', async (req) => answer(req.body))
app.post('/mutate', async (req) => answer(req.body))
await app.listen({ host: '127.0.0.1', port: Number(port) })
process.stdout.write('ready\n')
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
