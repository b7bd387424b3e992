import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import {
  decodeListResponse,
  listPodResources,
  podDeviceIds,
  readMessage,
  unframe,
} from '../../src/agent/pod-resources.js'

/** A protobuf writer for the test side: varints, strings and nested messages only. */
function varint(n: number): Buffer {
  const out: number[] = []
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return Buffer.from(out)
}
const ld = (field: number, value: Buffer | string): Buffer => {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value
  return Buffer.concat([varint(field * 8 + 2), varint(bytes.length), bytes])
}
const num = (field: number, value: number): Buffer =>
  Buffer.concat([varint(field * 8), varint(value)])

function listResponse(
  pods: { ns: string; name: string; containers: { resource: string; ids: string[] }[][] }[],
): Buffer {
  return Buffer.concat(
    pods.map((p) =>
      ld(
        1,
        Buffer.concat([
          ld(1, p.name),
          ld(2, p.ns),
          ...p.containers.map((devices, i) =>
            ld(
              3,
              Buffer.concat([
                ld(1, `c${i}`),
                ...devices.map((d) =>
                  ld(
                    2,
                    Buffer.concat([
                      ld(1, d.resource),
                      ...d.ids.map((id) => ld(2, id)),
                      ld(3, ld(1, num(1, 0))),
                    ]),
                  ),
                ),
                num(3, 4), // cpu_ids (unpacked varint): skipped
                Buffer.from([0x25, 1, 2, 3, 4]), // a fixed32 field 4: skipped
              ]),
            ),
          ),
        ]),
      ),
    ),
  )
}
const frame = (msg: Buffer): Buffer => {
  const head = Buffer.alloc(5)
  head.writeUInt32BE(msg.length, 1)
  return Buffer.concat([head, msg])
}

const sample = listResponse([
  {
    ns: 'ns',
    name: 'p',
    containers: [
      [{ resource: 'intel.com/sriov', ids: ['0000:03:00.2', '0000:03:00.1'] }],
      [
        { resource: 'intel.com/sriov', ids: ['0000:04:00.1'] },
        { resource: 'other/x', ids: ['a'] },
      ],
    ],
  },
  { ns: 'ns', name: 'q', containers: [[]] },
])

t.test('decode: only the fields needed, the rest skipped by wire type', async (t) => {
  const pods = decodeListResponse(sample)
  t.same(
    pods.map((p) => [p.namespace, p.name, Object.fromEntries(p.devices)]),
    [
      [
        'ns',
        'p',
        { 'intel.com/sriov': ['0000:03:00.2', '0000:03:00.1', '0000:04:00.1'], 'other/x': ['a'] },
      ],
      ['ns', 'q', {}],
    ],
  )
  t.same(decodeListResponse(Buffer.alloc(0)), [])
  t.throws(() => readMessage(Buffer.from([0x0a, 5, 1])), /truncated length-delimited/)
  t.throws(() => readMessage(Buffer.from([0x08])), /truncated varint/)
  t.throws(() => readMessage(Buffer.from([0x0b])), /unsupported wire type 3/)
  t.throws(() => readMessage(Buffer.from([0x09, 1])), /truncated fixed field/)
  t.throws(() => readMessage(Buffer.from([0x08, ...Array(10).fill(0xff), 1])), /varint too long/)
  t.same(unframe(Buffer.concat([frame(Buffer.from('ab')), frame(Buffer.alloc(0))])), [
    Buffer.from('ab'),
    Buffer.alloc(0),
  ])
  t.throws(() => unframe(Buffer.from([0, 0, 0])), /truncated message header/)
  t.throws(() => unframe(Buffer.from([1, 0, 0, 0, 0])), /compressed/)
  t.throws(() => unframe(Buffer.from([0, 0, 0, 0, 9, 1])), /truncated message$/)
})

async function kubelet(
  t: { teardown(fn: () => unknown): void },
  answer: (stream: ServerHttp2Stream) => void,
) {
  const dir = mkdtempSync(join(tmpdir(), 'mnag-pr-'))
  const socket = join(dir, 'kubelet.sock')
  const server: Http2Server = createServer()
  const paths: string[] = []
  server.on('stream', (stream, headers) => {
    paths.push(String(headers[':path']))
    const body: Buffer[] = []
    stream.on('data', (c: Buffer) => body.push(c))
    stream.on('end', () => answer(stream))
  })
  await new Promise<void>((resolve) => server.listen(socket, resolve))
  t.teardown(async () => {
    await new Promise((resolve) => server.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })
  return { socket, paths }
}

t.test('List over a real http2 unix socket', async (t) => {
  const k = await kubelet(t, (stream) => {
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc' },
      { waitForTrailers: true },
    )
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }))
    stream.end(frame(sample))
  })
  t.same(await podDeviceIds(k.socket, 5000, 'ns', 'p', 'intel.com/sriov'), [
    '0000:03:00.1',
    '0000:03:00.2',
    '0000:04:00.1',
  ])
  t.same(await podDeviceIds(k.socket, 5000, 'ns', 'none', 'intel.com/sriov'), [])
  t.same(k.paths, ['/v1.PodResourcesLister/List', '/v1.PodResourcesLister/List'])
})

t.test('gRPC errors, HTTP errors, a missing socket and silence are clear failures', async (t) => {
  const denied = await kubelet(t, (stream) => {
    stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc',
        'grpc-status': '7',
        'grpc-message': 'denied',
      },
      { endStream: true },
    )
  })
  await t.rejects(listPodResources(denied.socket, 5000), {
    message: `kubelet pod-resources API at ${denied.socket}: gRPC status 7: denied`,
  })
  const http = await kubelet(t, (stream) => stream.respond({ ':status': 404 }, { endStream: true }))
  await t.rejects(listPodResources(http.socket, 5000), { message: /HTTP 404/ })
  const garbage = await kubelet(t, (stream) => {
    stream.respond({ ':status': 200 }, { waitForTrailers: true })
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }))
    stream.end(Buffer.from([0, 0, 0]))
  })
  await t.rejects(listPodResources(garbage.socket, 5000), { message: /truncated message header/ })
  await t.rejects(listPodResources('/nonexistent/mnag.sock', 5000), { message: /ENOENT/ })
  const silent = await kubelet(t, () => undefined)
  await t.rejects(listPodResources(silent.socket, 200), { message: /no answer in 200 ms/ })
})
