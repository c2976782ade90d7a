import type { Request } from 'express';
import { type Admission, type Asking, Edge, type Refusal } from './edge.js';
import { noteAdmission } from './requestMetrics.js';

/**
 * The edge (src/http/edge.ts), telling the request metrics what it found: the event a request asks for, its
 * principal's kind, or its refusal's outcome. What it admits and refuses is the edge's, unchanged.
 */
export class MeasuredEdge extends Edge {
  override async flooded(req: Request, asking: Asking): Promise<Refusal | undefined> {
    const refusal = await super.flooded(req, asking);
    noteAdmission(req, asking, { refusal });
    return refusal;
  }

  override async admit(req: Request, asking: Asking): Promise<Admission> {
    const admission = await super.admit(req, asking);
    noteAdmission(req, asking, admission);
    return admission;
  }
}
