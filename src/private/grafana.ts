/**
 * The Grafana foundation SDK's modules. The SDK publishes only subpath exports
 * (`@grafana/grafana-foundation-sdk/dashboard`), which TypeScript's `node`
 * module resolution (this project's) cannot see; so types come from the files
 * behind those exports and values from the exports themselves, here, once.
 */
import type * as commonTypes from '@grafana/grafana-foundation-sdk/dist/common';
import type * as dashboardTypes from '@grafana/grafana-foundation-sdk/dist/dashboard';
import type * as prometheusTypes from '@grafana/grafana-foundation-sdk/dist/prometheus';
import type * as statTypes from '@grafana/grafana-foundation-sdk/dist/stat';
import type * as tableTypes from '@grafana/grafana-foundation-sdk/dist/table';
import type * as timeseriesTypes from '@grafana/grafana-foundation-sdk/dist/timeseries';

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
