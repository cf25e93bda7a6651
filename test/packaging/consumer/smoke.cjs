// A CommonJS application: loads every published package with require() and runs checks.cjs.
'use strict';
require('reflect-metadata');
const { runChecks } = require('./checks.cjs');

const names = [
  '@mfakit/core',
  '@mfakit/core/http',
  '@mfakit/core/store',
  '@mfakit/express',
  '@mfakit/fastify',
  '@mfakit/koa',
  '@mfakit/nestjs',
  '@mfakit/redis',
  '@mfakit/postgres',
  '@mfakit/cli',
  '@mfakit/gateway',
  '@mfakit/client',
];

runChecks({
  format: 'cjs',
  resolved: Object.fromEntries(names.map((name) => [name, require.resolve(name)])),
  mfakit: Object.fromEntries(names.map((name) => [name, require(name)])),
  peers: { express: require('express'), Fastify: require('fastify'), Koa: require('koa'), NestFactory: require('@nestjs/core').NestFactory, Redis: require('ioredis').Redis, Pool: require('pg').Pool },
}).then(
  () => console.log('ok'),
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
