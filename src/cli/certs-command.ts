import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { loadKubeConfig } from '../cluster/kube-config.js'
import { CERTS_OPTIONS, type CertsSettings } from '../config/certs-options.js'
import { formatHelp } from '../config/help.js'
import { loadOptions } from '../config/load.js'
import { firstPath } from '../config/paths.js'
import { isMultinetError, messageOf } from '../errors.js'
import { createLogger } from '../log.js'
import { readCertDir, writeCertDir } from '../tls/cert-files.js'
import { serviceDnsNames } from '../tls/certs.js'
import { CertPublisher } from '../tls/kube-publish.js'
import { ensureCertificates, type CertMaterial, type CertRequest } from '../tls/renew.js'
import { EXIT, type CliIo } from './io.js'

const INTRO =
  "Create or renew the webhook's CA and serving certificate. Existing ones (from --secret, " +
  'else from the output folder) are reused while valid for longer than the renewal window. ' +
  'Prints the caBundle (base64 PEM) on stdout; logs go to stderr. With --secret and the ' +
  'webhook options it also stores the pair in the cluster and patches the webhook ' +
  "configurations, which is what the Helm chart's certificate job runs."

export const CERTS_HELP = formatHelp('multinet certs [options]', INTRO, CERTS_OPTIONS)

export async function certsCommand(argv: string[], io: CliIo): Promise<number> {
  let settings: CertsSettings
  try {
    const loaded = loadOptions(CERTS_OPTIONS, {
      argv,
      env: io.env,
      readFile: (path) => readFileSync(resolve(io.cwd, path), 'utf8'),
    })
    if (loaded.kind === 'help') {
      io.stdout.write(CERTS_HELP)
      return EXIT.ok
    }
    settings = loaded.config
  } catch (err) {
    io.stderr.write(`multinet certs: ${messageOf(err)}\n`)
    return EXIT.usage
  }
  const logger = createLogger({
    level: settings.logLevel,
    component: 'certs',
    destination: io.stderr,
  })
  const usesCluster =
    settings.secret !== undefined ||
    settings.validatingWebhooks.length > 0 ||
    settings.mutatingWebhooks.length > 0
  const outDir =
    settings.outDir !== undefined
      ? resolve(io.cwd, settings.outDir)
      : settings.secret === undefined
        ? resolve(io.cwd, 'certs')
        : undefined
  try {
    const publisher = usesCluster
      ? new CertPublisher(
          loadKubeConfig({ kubeconfig: firstPath(settings.kubeconfig), env: io.env }),
        )
      : undefined
    let existing: CertMaterial | undefined
    if (publisher !== undefined && settings.secret !== undefined) {
      existing = await publisher.readSecret(settings.namespace, settings.secret)
    }
    const fromDir = existing === undefined && outDir !== undefined
    if (fromDir) existing = await readCertDir(outDir)
    const plan = ensureCertificates(existing ?? {}, requestOf(settings))
    logger.info(
      {
        caRenewed: plan.caRenewed,
        certRenewed: plan.certRenewed,
        reasons: plan.reasons,
        caNotAfter: plan.caNotAfter.toISOString(),
        certNotAfter: plan.certNotAfter.toISOString(),
      },
      plan.caRenewed || plan.certRenewed ? 'certificates renewed' : 'certificates reused',
    )
    if (outDir !== undefined && (plan.caRenewed || plan.certRenewed || !fromDir)) {
      await writeCertDir(outDir, plan.bundle)
      logger.info({ dir: outDir }, 'certificate files written')
    }
    if (publisher !== undefined && settings.secret !== undefined) {
      const result = await publisher.storeSecret(settings.namespace, settings.secret, plan.bundle)
      logger.info(
        { namespace: settings.namespace, secret: settings.secret, result },
        'Secret stored',
      )
    }
    for (const [kind, names] of [
      ['validating', settings.validatingWebhooks],
      ['mutating', settings.mutatingWebhooks],
    ] as const) {
      for (const name of names) {
        const patched = await (publisher as CertPublisher).patchCaBundle(kind, name, plan.caBundle)
        logger.info({ kind, name, webhooksPatched: patched }, 'caBundle set')
      }
    }
    io.stdout.write(`${Buffer.from(plan.caBundle, 'utf8').toString('base64')}\n`)
    return EXIT.ok
  } catch (err) {
    logger.error({ err, code: isMultinetError(err) ? err.code : undefined }, 'certs failed')
    io.stderr.write(`multinet certs: ${messageOf(err)}\n`)
    return EXIT.failure
  }
}

function requestOf(settings: CertsSettings): CertRequest {
  const dnsNames = [
    ...serviceDnsNames(settings.service, settings.namespace, settings.clusterDomain),
    ...settings.dnsNames,
  ]
  return {
    caCommonName: `${settings.service}-ca`,
    // The Service's in-cluster name is what the API server dials, so it leads.
    commonName: `${settings.service}.${settings.namespace}.svc`,
    dnsNames: [...new Set(dnsNames)],
    ipAddresses: settings.ipAddresses,
    key: { type: settings.keyType, rsaBits: settings.rsaBits },
    caDays: settings.caValidityDays,
    certDays: settings.certValidityDays,
    renewBeforeDays: settings.renewBeforeDays,
    force: settings.force,
  }
}
