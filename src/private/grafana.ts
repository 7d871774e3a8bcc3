/**
 * The Grafana foundation SDK's modules. The SDK publishes only subpath exports
 * (`@grafana/grafana-foundation-sdk/dashboard`), which TypeScript's `node`
 * module resolution (this project's) cannot see: tsconfig.json's `paths` maps them to
 * the files behind those exports for this project's compiler, and the published .d.ts
 * keeps the subpaths, which a consumer's `node16`, `nodenext` or `bundler` resolution
 * finds through the SDK's exports map (a path into `dist/` it refuses, TS2307).
 */
import type * as commonTypes from '@grafana/grafana-foundation-sdk/common';
import type * as dashboardTypes from '@grafana/grafana-foundation-sdk/dashboard';
import type * as prometheusTypes from '@grafana/grafana-foundation-sdk/prometheus';
import type * as statTypes from '@grafana/grafana-foundation-sdk/stat';
import type * as tableTypes from '@grafana/grafana-foundation-sdk/table';
import type * as timeseriesTypes from '@grafana/grafana-foundation-sdk/timeseries';

/* eslint-disable @typescript-eslint/no-require-imports */
export const common: typeof commonTypes = require('@grafana/grafana-foundation-sdk/common');
export const dashboard: typeof dashboardTypes = require('@grafana/grafana-foundation-sdk/dashboard');
export const prometheus: typeof prometheusTypes = require('@grafana/grafana-foundation-sdk/prometheus');
export const stat: typeof statTypes = require('@grafana/grafana-foundation-sdk/stat');
export const table: typeof tableTypes = require('@grafana/grafana-foundation-sdk/table');
export const timeseries: typeof timeseriesTypes = require('@grafana/grafana-foundation-sdk/timeseries');
/* eslint-enable @typescript-eslint/no-require-imports */

/** A dashboard model, as the SDK builds it. */
export type Dashboard = dashboardTypes.Dashboard;
/** A data source reference. */
export type DataSourceRef = dashboardTypes.DataSourceRef;
