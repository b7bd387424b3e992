/**
 * Container images made on this machine, with no registry and no Docker: a root filesystem
 * (the static pause binary from build-bins.sh; Debian's busybox-static), packed as one
 * uncompressed layer into an OCI image layout tar that `ctr images import` loads into
 * containerd's `k8s.io` namespace, where the CRI plugin (and so the kubelet) finds it.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'

export const PAUSE_IMAGE = 'localhost/multinet-e2e/pause:1'
export const BUSYBOX_IMAGE = 'localhost/multinet-e2e/busybox:1'
const BUSYBOX = '/bin/busybox'

interface ImageSpec {
  name: string
  /** Fills the root filesystem directory. */
  fill(rootfs: string): void
  config: { Entrypoint?: string[]; Cmd?: string[]; Env?: string[] }
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex')

/** Writes an OCI image layout tar for `spec` under `work` and returns its path. */
export function ociArchive(work: string, spec: ImageSpec): string {
  const id = spec.name.replace(/[^a-z0-9]+/g, '-')
  const rootfs = join(work, `${id}-rootfs`)
  const layout = join(work, `${id}-layout`)
  const blobs = join(layout, 'blobs/sha256')
  mkdirSync(rootfs, { recursive: true })
  mkdirSync(blobs, { recursive: true })
  spec.fill(rootfs)
  const layerFile = join(work, `${id}-layer.tar`)
  // Owned by root, numeric ids, sorted: the layer (and its digest) does not depend on who runs it.
  execFileSync('tar', [
    '--numeric-owner',
    '--owner=0',
    '--group=0',
    '--sort=name',
    '-C',
    rootfs,
    '-cf',
    layerFile,
    '.',
  ])
  const layer = readFileSync(layerFile)
  const layerDigest = sha256(layer)
  writeFileSync(join(blobs, layerDigest), layer)
  const blob = (obj: unknown): { digest: string; size: number } => {
    const text = JSON.stringify(obj)
    const digest = sha256(text)
    writeFileSync(join(blobs, digest), text)
    return { digest: `sha256:${digest}`, size: Buffer.byteLength(text) }
  }
  const config = blob({
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/bin'], ...spec.config },
    rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
  })
  const manifest = blob({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: `sha256:${layerDigest}`,
        size: layer.length,
      },
    ],
  })
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          platform: { architecture: 'amd64', os: 'linux' },
          annotations: { 'io.containerd.image.name': spec.name },
        },
      ],
    }),
  )
  const archive = join(work, `${id}.oci.tar`)
  execFileSync('tar', ['-C', layout, '-cf', archive, '.'])
  return archive
}

export function pauseImage(pauseBinary: string): ImageSpec {
  return {
    name: PAUSE_IMAGE,
    fill(rootfs) {
      copyFileSync(pauseBinary, join(rootfs, 'pause'))
      chmodSync(join(rootfs, 'pause'), 0o755)
    },
    config: { Entrypoint: ['/pause'] },
  }
}

/** busybox with every applet linked in /bin (sh, sleep, ip, cat, ...). */
export function busyboxImage(): ImageSpec {
  return {
    name: BUSYBOX_IMAGE,
    fill(rootfs) {
      const bin = join(rootfs, 'bin')
      mkdirSync(bin)
      for (const d of ['tmp', 'etc', 'proc', 'sys', 'dev']) mkdirSync(join(rootfs, d))
      copyFileSync(BUSYBOX, join(bin, 'busybox'))
      chmodSync(join(bin, 'busybox'), 0o755)
      const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n')
      for (const a of applets) if (a && a !== 'busybox') symlinkSync('busybox', join(bin, a))
    },
    config: { Cmd: ['sh'] },
  }
}

/** Loads the archives into containerd (namespace k8s.io, unpacked for the CRI's snapshotter). */
export function importImages(ctr: (args: string[]) => string, archives: string[]): void {
  for (const archive of archives) ctr(['-n', 'k8s.io', 'images', 'import', archive])
}
