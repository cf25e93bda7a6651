// An ES module application: imports every published package and runs checks.cjs.
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import * as client from '@mfakit/client';
import * as cli from '@mfakit/cli';
import * as core from '@mfakit/core';
import * as coreHttp from '@mfakit/core/http';
import * as coreStore from '@mfakit/core/store';
import * as express from '@mfakit/express';
import * as fastify from '@mfakit/fastify';
import * as gateway from '@mfakit/gateway';
import * as koa from '@mfakit/koa';
import * as nestjs from '@mfakit/nestjs';
import * as postgres from '@mfakit/postgres';
import * as redis from '@mfakit/redis';
import { NestFactory } from '@nestjs/core';
import expressApp from 'express';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import Koa from 'koa';
import pg from 'pg';
import checks from './checks.cjs';

const mfakit = {
  '@mfakit/core': core,
  '@mfakit/core/http': coreHttp,
  '@mfakit/core/store': coreStore,
  '@mfakit/express': express,
  '@mfakit/fastify': fastify,
  '@mfakit/koa': koa,
  '@mfakit/nestjs': nestjs,
  '@mfakit/redis': redis,
  '@mfakit/postgres': postgres,
  '@mfakit/cli': cli,
  '@mfakit/gateway': gateway,
  '@mfakit/client': client,
};

try {
  await checks.runChecks({
    format: 'esm',
    resolved: Object.fromEntries(Object.keys(mfakit).map((name) => [name, fileURLToPath(import.meta.resolve(name))])),
    mfakit,
    peers: { express: expressApp, Fastify, Koa, NestFactory, Redis, Pool: pg.Pool },
  });
  console.log('ok');
} catch (err) {
  console.error(err);
  process.exitCode = 1;
}
