/**
 * Each Airbyte source's `metadata.yaml`, in Airbyte's connector-metadata format
 * (ConnectorMetadataDefinitionV0: what the platform and its registry read about a connector),
 * generated from the source itself so name, version, image and documentation cannot drift from
 * what the executable reports. Sync modes are not part of that format: each stream declares its
 * own in discover (and catalog/).
 */
import type { Source } from '../core/source.js';

/** The image repository of every jobtap connector (the Dockerfile's io.airbyte.name label). */
export const DOCKER_NAMESPACE = 'jobtap';

export interface ConnectorIdentity {
  /** Display name in Airbyte's connector list. */
  title: string;
  /** Fixed forever: Airbyte identifies the connector definition by it. */
  definitionId: string;
}

export function airbyteMetadata(source: Source<unknown>, identity: ConnectorIdentity, license: string): Record<string, unknown> {
  const spec = source.spec();
  return {
    data: {
      name: identity.title,
      definitionId: identity.definitionId,
      connectorType: 'source',
      connectorSubtype: 'api',
      dockerRepository: `${DOCKER_NAMESPACE}/${source.name}`,
      dockerImageTag: source.version,
      documentationUrl: spec.documentationUrl,
      githubIssueLabel: source.name,
      license,
      releaseStage: 'alpha',
      supportLevel: 'community',
      tags: ['language:typescript'],
      // No allowedHosts: Addepar's base URL is per firm and both vendors redirect downloads to
      // file hosts they choose, so any fixed list would break real syncs.
      registries: { oss: { enabled: true }, cloud: { enabled: false } },
    },
    metadataSpecVersion: '1.0',
  };
}
