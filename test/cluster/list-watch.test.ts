import { RequestContext, ResponseContext } from '@kubernetes/client-node'
import t from 'tap'
import { abortable, describeError, httpStatusOf } from '../../src/cluster/list-watch.js'

t.test('HTTP status of the errors client-node throws', async (t) => {
  t.equal(httpStatusOf(Object.assign(new Error('Gone'), { statusCode: 410 })), 410, 'Watch')
  t.equal(httpStatusOf(Object.assign(new Error('x'), { code: 403 })), 403, 'ApiException')
  t.equal(httpStatusOf(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), undefined)
  t.equal(httpStatusOf('boom'), undefined)
})

t.test('one line per error, with the Status message when there is one', async (t) => {
  const apiError = (code: number, body: unknown) =>
    Object.assign(new Error(`HTTP-Code: ${code}\nMessage: Unknown API Status Code!\nBody: ...`), {
      code,
      body,
    })
  t.equal(
    describeError(apiError(500, '{"kind":"Status","message":"etcd is sad"}')),
    'HTTP 500: etcd is sad',
  )
  t.equal(
    describeError(apiError(403, { kind: 'Status', message: 'forbidden: no' })),
    'HTTP 403: forbidden: no',
  )
  t.equal(describeError(apiError(502, '<html>bad gateway')), 'HTTP 502: HTTP-Code: 502')
  t.equal(describeError(Object.assign(new Error('Gone'), { statusCode: 410 })), 'HTTP 410: Gone')
  t.equal(
    describeError(new Error('connect ECONNREFUSED 127.0.0.1:1')),
    'connect ECONNREFUSED 127.0.0.1:1',
  )
})

t.test('abortable options hand the signal to the request', async (t) => {
  const signal = new AbortController().signal
  const options = abortable(signal)
  t.equal(options.middlewareMergeStrategy, 'append')
  const [mw] = options.middleware!
  const ctx = new RequestContext('http://127.0.0.1/x', 'GET' as never)
  t.equal(await mw!.pre(ctx).toPromise(), ctx)
  t.equal(ctx.getSignal(), signal)
  const res = new ResponseContext(
    200,
    {},
    { text: async () => '', binary: async () => Buffer.alloc(0), stream: () => null },
  )
  t.equal(await mw!.post(res).toPromise(), res)
})
