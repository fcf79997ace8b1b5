/**
 * Reading a tfjs LayersModel's graph for the TaskModel adapter: weight names, whether the layers
 * form one chain, whether the output is a softmax.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';

export type Layer = tf.LayersModel['layers'][number];

export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

/** A layer's weights with their names (`prefix` + layer name + '/' + short name), nested models expanded. */
export function namedWeights(layer: Layer, prefix: string): { name: string; weight: tf.LayerVariable }[] {
  if (layer instanceof tf.LayersModel) {
    return layer.layers.flatMap((inner) => namedWeights(inner, `${prefix}${layer.name}/`));
  }
  const out: { name: string; weight: tf.LayerVariable }[] = [];
  const shorts = new Set<string>();
  for (const weight of layer.weights) {
    const short = weight.originalName
      ? weight.originalName.slice(weight.originalName.lastIndexOf('/') + 1)
      : weight.name.slice(weight.name.lastIndexOf('/') + 1).replace(/_\d+$/, '');
    if (!short || shorts.has(short)) {
      throw new InputError(`cannot name the weights of layer ${layer.name} (${layer.getClassName()}): ` +
        `its weights ${layer.weights.map((w) => w.originalName).join(', ')} do not have distinct short names`);
    }
    shorts.add(short);
    out.push({ name: `${prefix}${layer.name}/${short}`, weight });
  }
  return out;
}

/**
 * The top-level layers in order when they form a single chain (each consumes exactly the previous
 * one's single output, once); undefined otherwise. A tf.Sequential is always a chain.
 */
export function chainOf(model: tf.LayersModel): Layer[] | undefined {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  if (model instanceof tf.Sequential) return layers;
  let previous: Layer = model.inputLayers[0];
  for (const layer of layers) {
    // The nodes of this model (a layer may also be called in other graphs).
    const nodes = layer.inboundNodes.filter((_, i) => model.containerNodes.has(`${layer.name}_ib-${i}`));
    if (nodes.length !== 1) return undefined;
    const [node] = nodes;
    if (node.inboundLayers.length !== 1 || node.inboundLayers[0] !== previous || node.outputTensors.length !== 1) return undefined;
    previous = layer;
  }
  return model.outputs[0].sourceLayer === previous ? layers : undefined;
}

/** Whether the model's output comes from a softmax (a Softmax layer or a softmax activation). */
export function endsInSoftmax(model: tf.LayersModel): boolean {
  const layer = model.outputs[0].sourceLayer;
  if (layer instanceof tf.LayersModel) return endsInSoftmax(layer);
  if (layer.getClassName() === 'Softmax') return true;
  try {
    return layer.getConfig().activation === 'softmax';
  } catch {
    return false; // a custom layer without a config
  }
}
