import { ConvNetS, defaultConvNetSConfig, type ConvNetSConfig } from './convnet-s';
import { defaultMlpConfig, Mlp, type MlpConfig } from './mlp';
import { defaultResNetConfig, ResNet, type ResNetConfig } from './resnet';
import type { TaskModel } from './task-model';

/** A task model by name, with a partial config over the documented defaults. */
export type ModelSpec =
  | { kind: 'convnet-s'; config?: Partial<ConvNetSConfig> }
  | { kind: 'mlp'; config?: Partial<MlpConfig> }
  | { kind: 'resnet'; config?: Partial<ResNetConfig> };

export function createModel(spec: ModelSpec, seed: number): TaskModel {
  switch (spec.kind) {
    case 'convnet-s':
      return new ConvNetS({ ...defaultConvNetSConfig, ...spec.config }, seed);
    case 'mlp':
      return new Mlp({ ...defaultMlpConfig, ...spec.config }, seed);
    case 'resnet':
      return new ResNet({ ...defaultResNetConfig, ...spec.config }, seed);
  }
}
