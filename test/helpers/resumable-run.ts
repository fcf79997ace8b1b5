/**
 * The small p-diff run of the kill and full-disk tests: tiny-pdiff's config, whose step counts
 * the kill points depend on: 40 base training steps (progress at 10, 20, 30, 40),
 * 6 snapshots saved every 3, 30 AE and 30 DDPM steps logged and saved every 10, then 7 populations
 * evaluated. About 2 s of compute.
 */
import type { DataSplits } from '../../lib/data/dataset';
import type { PdiffConfig } from '../../lib/pdiff/config';
import { blobs, tinyConfig } from './tiny-pdiff';

export const runData = (): DataSplits => ({ train: blobs(160, 1), val: blobs(40, 2), test: blobs(40, 3) });

export const runConfig: PdiffConfig = { ...tinyConfig, preset: 'resumable-test' };
