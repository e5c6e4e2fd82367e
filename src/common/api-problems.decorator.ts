/**
 * Documents a route's problem+json answers in the OpenAPI document: one response per status,
 * listing the `code` values it can carry.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { PROBLEM_CODES, PROBLEM_TYPE_BASE } from './problem';
import type { ProblemCode } from './problem';

export function ApiProblems(...codes: ProblemCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of [...codes, 'internal_error' as const]) {
    const status = PROBLEM_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, list]) =>
      ApiResponse({
        status,
        description: list.map((c) => `\`${c}\`: ${PROBLEM_CODES[c].title}`).join('; '),
        content: {
          'application/problem+json': {
            schema: {
              allOf: [
                { $ref: '#/components/schemas/Problem' },
                { type: 'object', properties: { code: { type: 'string', enum: list } } },
              ],
            },
            example: {
              type: `${PROBLEM_TYPE_BASE}${list[0]}`,
              title: PROBLEM_CODES[list[0]].title,
              status,
              detail: `What went wrong on this request (${list[0]}).`,
              code: list[0],
            },
          },
        },
      }),
    ),
  );
}
