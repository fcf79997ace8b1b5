import { ConvNetS, defaultConvNetSConfig, type ConvNetSConfig } from './convnet-s';
import { defaultMlpConfig, Mlp, type MlpConfig } from './mlp';
import { defaultResNetConfig, ResNet, type ResNetConfig } from './resnet';
import { InputError } from '../util/errors';
import type { TaskModel } from './task-model';

/** A built-in task model by name, with a partial config over the documented defaults. */
export type BuiltinModelSpec =
  | { kind: 'convnet-s'; config?: Partial<ConvNetSConfig> }
  | { kind: 'mlp'; config?: Partial<MlpConfig> }
  | { kind: 'resnet'; config?: Partial<ResNetConfig> };

/** The user's own model, passed in as an instance; `name` is its TaskModel.kind, for records and checks. */
export interface OwnModelSpec {
  kind: 'own';
  name: string;
}

/** What a run's config records about its network. */
export type ModelSpec = BuiltinModelSpec | OwnModelSpec;

/** The spec a config records for `model`: `preset` when the model is the preset's network, else the user's own. */
export function specOf(model: TaskModel, preset: ModelSpec): ModelSpec {
  return preset.kind === model.kind ? preset : { kind: 'own', name: model.kind };
}

/** The network's name as zoos record it. */
export function modelName(spec: ModelSpec): string {
  return spec.kind === 'own' ? spec.name : spec.kind;
}

/** Refuses a model instance that is not the network a config names. */
export function checkModelSpec(spec: ModelSpec, model: TaskModel): void {
  if (modelName(spec) !== model.kind) throw new InputError(`the config names the ${modelName(spec)} model, but a ${model.kind} model was given`);
}

export function createModel(spec: ModelSpec, seed: number): TaskModel {
  switch (spec.kind) {
    case 'own':
      throw new InputError(`${spec.name} is the user's own model: build it and pass the instance`);
    case 'convnet-s':
      return new ConvNetS({ ...defaultConvNetSConfig, ...spec.config }, seed);
    case 'mlp':
      return new Mlp({ ...defaultMlpConfig, ...spec.config }, seed);
    case 'resnet':
      return new ResNet({ ...defaultResNetConfig, ...spec.config }, seed);
  }
}
