/**
 * The kubelet's pod-resources API (`v1.PodResourcesLister/List`, gRPC over a unix socket), asked
 * which devices a pod was allocated, for NADs that name a resource (SR-IOV and the like). A
 * minimal client on node:http2 with a hand-written protobuf reader of only the fields needed:
 *
 *   ListPodResourcesResponse { repeated PodResources pod_resources = 1; }
 *   PodResources { string name = 1; string namespace = 2; repeated ContainerResources containers = 3; }
 *   ContainerResources { string name = 1; repeated ContainerDevices devices = 2; ... }
 *   ContainerDevices { string resource_name = 1; repeated string device_ids = 2; ... }
 */
import { connect as h2connect, constants } from 'node:http2'
import { connect as netConnect } from 'node:net'

export interface PodDevices {
  readonly namespace: string
  readonly name: string
  /** resource name -> device IDs, over all containers */
  readonly devices: ReadonlyMap<string, readonly string[]>
}

/** Fields of one message: field number -> raw values (length-delimited as Buffers, varints as numbers). */
type Fields = Map<number, (Buffer | number)[]>

export function readMessage(buf: Buffer): Fields {
  const out: Fields = new Map()
  let pos = 0
  const varint = (): number => {
    let result = 0
    let shift = 0
    for (;;) {
      if (pos >= buf.length) throw new Error('protobuf: truncated varint')
      const b = buf[pos++]!
      result += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) return result
      shift += 7
      if (shift > 63) throw new Error('protobuf: varint too long')
    }
  }
  while (pos < buf.length) {
    const tag = varint()
    const fieldNo = Math.floor(tag / 8)
    const wire = tag & 7
    let value: Buffer | number
    switch (wire) {
      case 0:
        value = varint()
        break
      case 1:
        pos += 8
        value = 0
        break
      case 2: {
        const len = varint()
        if (pos + len > buf.length) throw new Error('protobuf: truncated length-delimited field')
        value = buf.subarray(pos, pos + len)
        pos += len
        break
      }
      case 5:
        pos += 4
        value = 0
        break
      default:
        throw new Error(`protobuf: unsupported wire type ${wire}`)
    }
    if (pos > buf.length) throw new Error('protobuf: truncated fixed field')
    const list = out.get(fieldNo) ?? []
    list.push(value)
    out.set(fieldNo, list)
  }
  return out
}

const bytes = (fields: Fields, n: number): Buffer[] =>
  (fields.get(n) ?? []).filter((v): v is Buffer => Buffer.isBuffer(v))
const text = (fields: Fields, n: number): string => bytes(fields, n)[0]?.toString('utf8') ?? ''

export function decodeListResponse(buf: Buffer): PodDevices[] {
  return bytes(readMessage(buf), 1).map((podBuf) => {
    const pod = readMessage(podBuf)
    const devices = new Map<string, string[]>()
    for (const containerBuf of bytes(pod, 3)) {
      for (const devBuf of bytes(readMessage(containerBuf), 2)) {
        const dev = readMessage(devBuf)
        const resource = text(dev, 1)
        const ids = bytes(dev, 2).map((b) => b.toString('utf8'))
        devices.set(resource, [...(devices.get(resource) ?? []), ...ids])
      }
    }
    return { name: text(pod, 1), namespace: text(pod, 2), devices }
  })
}

/** gRPC length-prefixed messages: flag byte (compression), 4-byte big-endian length, bytes. */
export function unframe(data: Buffer): Buffer[] {
  const out: Buffer[] = []
  let pos = 0
  while (pos < data.length) {
    if (pos + 5 > data.length) throw new Error('gRPC: truncated message header')
    if (data[pos] !== 0) throw new Error('gRPC: compressed messages are not supported')
    const len = data.readUInt32BE(pos + 1)
    if (pos + 5 + len > data.length) throw new Error('gRPC: truncated message')
    out.push(data.subarray(pos + 5, pos + 5 + len))
    pos += 5 + len
  }
  return out
}

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024

/** One List call over the kubelet's socket. */
export function listPodResources(socketPath: string, timeoutMs: number): Promise<PodDevices[]> {
  return new Promise((resolve, reject) => {
    const session = h2connect('http://localhost', {
      createConnection: () => netConnect(socketPath),
    })
    const timer = setTimeout(() => {
      fail(new Error(`pod-resources List: no answer in ${timeoutMs} ms`))
    }, timeoutMs)
    let settled = false
    const fail = (err: Error): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      session.destroy()
      reject(new Error(`kubelet pod-resources API at ${socketPath}: ${err.message}`))
    }
    session.on('error', fail)
    const req = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: '/v1.PodResourcesLister/List',
      'content-type': 'application/grpc',
      te: 'trailers',
    })
    const chunks: Buffer[] = []
    let size = 0
    let status: string | undefined
    let message: string | undefined
    const grpcStatus = (headers: Record<string, unknown>): void => {
      if (headers['grpc-status'] !== undefined) status = String(headers['grpc-status'])
      if (headers['grpc-message'] !== undefined) message = String(headers['grpc-message'])
    }
    req.on('response', (headers) => {
      grpcStatus(headers)
      const http = Number(headers[constants.HTTP2_HEADER_STATUS])
      if (http !== 200) fail(new Error(`HTTP ${String(http)}`))
    })
    req.on('trailers', grpcStatus)
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_RESPONSE_BYTES)
        fail(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`))
      else chunks.push(chunk)
    })
    req.on('error', fail)
    req.on('end', () => {
      if (settled) return
      if (status !== '0') {
        return fail(new Error(`gRPC status ${status ?? 'missing'}${message ? `: ${message}` : ''}`))
      }
      try {
        const messages = unframe(Buffer.concat(chunks))
        const pods = messages.flatMap((m) => decodeListResponse(m))
        settled = true
        clearTimeout(timer)
        session.close()
        resolve(pods)
      } catch (err) {
        fail(err as Error)
      }
    })
    // ListPodResourcesRequest has no fields: an empty message.
    req.end(Buffer.from([0, 0, 0, 0, 0]))
  })
}

/** The device IDs of one pod for one resource, sorted (Multus hands them out in this order). */
export async function podDeviceIds(
  socketPath: string,
  timeoutMs: number,
  namespace: string,
  name: string,
  resource: string,
): Promise<string[]> {
  const pods = await listPodResources(socketPath, timeoutMs)
  const pod = pods.find((p) => p.namespace === namespace && p.name === name)
  return [...(pod?.devices.get(resource) ?? [])].sort()
}
