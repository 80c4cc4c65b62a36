// The model methods: thin handlers over the engine's model service (models loaded once, shared).
import { modelService } from '../../runtime/modelService';
import type { MethodHandler } from './requestContext';

export const loadModel: MethodHandler<'loadModel'> = (params, ctx) => modelService.loadModel(params, ctx);
export const generate: MethodHandler<'generate'> = (params, ctx) => modelService.generate(params, ctx);
export const score: MethodHandler<'score'> = (params, ctx) => modelService.score(params, ctx);
export const classify: MethodHandler<'classify'> = (params, ctx) => modelService.classify(params, ctx);
export const stats: MethodHandler<'stats'> = () => modelService.stats();
