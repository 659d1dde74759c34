/**
 * An image reference split the way Docker resolves it (distribution/reference `ParseNormalizedNamed`,
 * `splitDockerDomain`): `rabbitmq:3.13.7-management` is registry `docker.io`, repository `library/rabbitmq`, tag
 * `3.13.7-management`. The Bitnami chart takes exactly these parts as `image.registry`, `image.repository`,
 * `image.tag` and `image.digest` (bitnami/charts bitnami/rabbitmq values.yaml), and renders them back into the
 * name the kubelet pulls, which is the name `kind load` gave the image on the nodes.
 */
export interface ImageReference {
  /** A host (`docker.io`, `registry.example:5000`, `localhost`): Docker Hub unless the first component is one. */
  registry: string;
  /** The path under the registry; an official Docker Hub image gets `library/`. */
  repository: string;
  /** Unset when the reference has none (Docker then means `latest`, unless a digest is given). */
  tag?: string;
  /** `sha256:…`, when the reference pins one with `@`. */
  digest?: string;
}

const DOCKER_HUB = 'docker.io';

/**
 * Splits `[registry/]repository[:tag][@digest]`. The first path component is a registry when it has a `.` or a `:`
 * or is `localhost` (distribution/reference `splitDockerDomain`); `index.docker.io` is Docker Hub.
 * @throws TypeError for an empty reference or one without a repository.
 */
export function parseImageReference(reference: string): ImageReference {
  const [named = '', digest] = reference.split('@', 2);
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const [path, tag] = colon > slash ? [named.slice(0, colon), named.slice(colon + 1)] : [named, undefined];
  const components = path.split('/');
  const first = components[0]!;
  const hasRegistry = components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? (first === 'index.docker.io' ? DOCKER_HUB : first) : DOCKER_HUB;
  const rest = hasRegistry ? components.slice(1) : components;
  if (rest.length === 0 || rest.some((component) => component === '')) throw new TypeError(`image reference "${reference}" names no repository`);
  const repository = registry === DOCKER_HUB && rest.length === 1 ? `library/${rest[0]}` : rest.join('/');
  return { registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/**
 * Whether the reference is Docker's official RabbitMQ image (`rabbitmq:…`, `docker.io/library/rabbitmq:…`), the
 * image of docker-library/rabbitmq: it has no /opt/bitnami scripts and no /bitnami paths, which every container of
 * the Bitnami chart runs and mounts (bitnami/charts bitnami/rabbitmq templates/statefulset.yaml).
 */
export function isOfficialRabbitMqImage(reference: string): boolean {
  const { registry, repository } = parseImageReference(reference);
  return registry === DOCKER_HUB && repository === 'library/rabbitmq';
}
