import { describe, expect, it } from 'vitest';
import { isOfficialRabbitMqImage, parseImageReference } from './image-reference.js';

describe('parseImageReference', () => {
  it.each([
    ['rabbitmq:3.13.7-management', { registry: 'docker.io', repository: 'library/rabbitmq', tag: '3.13.7-management' }],
    ['bitnamilegacy/rabbitmq:3.13.7-debian-12-r2', { registry: 'docker.io', repository: 'bitnamilegacy/rabbitmq', tag: '3.13.7-debian-12-r2' }],
    ['docker.io/bitnamilegacy/rabbitmq:4.1.3-debian-12-r1', { registry: 'docker.io', repository: 'bitnamilegacy/rabbitmq', tag: '4.1.3-debian-12-r1' }],
    ['index.docker.io/library/rabbitmq', { registry: 'docker.io', repository: 'library/rabbitmq' }],
    ['registry.example:5000/team/rabbitmq:dev', { registry: 'registry.example:5000', repository: 'team/rabbitmq', tag: 'dev' }],
    ['localhost/rabbit', { registry: 'localhost', repository: 'rabbit' }],
    ['my-rabbit:dev', { registry: 'docker.io', repository: 'library/my-rabbit', tag: 'dev' }],
    [`bitnamilegacy/rabbitmq:3.13.7@sha256:${'b'.repeat(64)}`, { registry: 'docker.io', repository: 'bitnamilegacy/rabbitmq', tag: '3.13.7', digest: `sha256:${'b'.repeat(64)}` }],
  ])('%s', (reference, expected) => {
    expect(parseImageReference(reference)).toEqual(expected);
  });

  it('refuses a reference without a repository', () => {
    expect(() => parseImageReference('')).toThrow(TypeError);
    expect(() => parseImageReference('registry.example:5000/')).toThrow(TypeError);
  });
});

describe('isOfficialRabbitMqImage', () => {
  it('is true for Docker Hub library/rabbitmq however spelled, false for Bitnami and other registries', () => {
    for (const image of ['rabbitmq', 'rabbitmq:4.1.4-management', 'docker.io/rabbitmq:3.13', 'docker.io/library/rabbitmq:3.13.7-management', `rabbitmq@sha256:${'c'.repeat(64)}`]) {
      expect(isOfficialRabbitMqImage(image), image).toBe(true);
    }
    for (const image of ['bitnamilegacy/rabbitmq:3.13.7-debian-12-r2', 'bitnami/rabbitmq', 'registry.example/rabbitmq:3.13', 'rabbitmq-custom:1']) {
      expect(isOfficialRabbitMqImage(image), image).toBe(false);
    }
  });
});
