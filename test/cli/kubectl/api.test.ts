import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { KubeConfig } from '@kubernetes/client-node'
import t, { type Test } from 'tap'
import { ApiRequestError, KubeApi } from '../../../src/cli/kubectl/api.js'

async function server(t: Test, handler: Parameters<typeof createServer>[1]) {
  const s = createServer(handler)
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  t.teardown(() => {
    s.closeAllConnections()
    s.close()
  })
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`
}

const kubeConfig = (server: string): KubeConfig => {
  const kc = new KubeConfig()
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'tok' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  })
  return kc
}

t.test('GET with the kubeconfig credentials, under the server path prefix', async (t) => {
  const seen: string[] = []
  const url = await server(t, (req, res) => {
    seen.push(`${req.url} ${req.headers.authorization}`)
    if (req.url?.includes('bad-json')) return res.end('<html>')
    if (req.url?.includes('empty')) {
      res.statusCode = 500
      return res.end()
    }
    if (req.url?.includes('hang')) return
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ ok: true }))
  })
  const api = new KubeApi(kubeConfig(`${url}/prefix/`), 200)
  t.equal(api.user, 'context "ctx"')
  t.same(await api.get('/api/v1/x', { a: 'b c', skip: undefined, n: 5 }), { ok: true })
  t.same(seen, ['/prefix/api/v1/x?a=b+c&n=5 Bearer tok'])
  await t.rejects(api.get('/bad-json'), { name: 'ApiRequestError', status: 200, reason: '<html>' })
  await t.rejects(api.get('/empty'), {
    status: 500,
    reason: 'no body',
    message: 'HTTP 500: no body',
  })
  await t.rejects(api.get('/hang'), { status: undefined, message: 'no answer within 200 ms' })
})

t.test('pages follow continue tokens; a refused connection has no status', async (t) => {
  const url = await server(t, (req, res) => {
    const token = new URL(req.url ?? '', 'http://x').searchParams.get('continue')
    const page = token === '2' ? { items: [3] } : { metadata: { continue: '2' }, items: [1, 2] }
    res.end(JSON.stringify(req.url?.includes('odd') ? { metadata: {} } : page))
  })
  const api = new KubeApi(kubeConfig(url), 1000)
  const pages: unknown[][] = []
  for await (const p of api.pages('/list', {}, 2)) pages.push(p)
  t.same(pages, [[1, 2], [3]])
  const odd: unknown[][] = []
  for await (const p of api.pages('/odd', {}, 2)) odd.push(p)
  t.same(odd, [[]])
  const closed = new KubeApi(kubeConfig('http://127.0.0.1:1'), 1000)
  const err = await closed.get('/x').catch((e: unknown) => e)
  t.ok(err instanceof ApiRequestError)
  t.match(
    (err as ApiRequestError).message,
    /^ECONNREFUSED: connect ECONNREFUSED|connect ECONNREFUSED/,
  )
})
