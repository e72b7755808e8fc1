import { describe, expect, it } from 'vitest';
import { UnsupportedParameterError } from '../../../src/errors.ts';
import { geminiFormat } from '../../../src/formats/gemini/index.ts';
import type { EmbeddingsRequest } from '../../../src/formats/ir.ts';

const embeddings = geminiFormat.provider.embeddings!;
const request = (fields: Partial<EmbeddingsRequest> = {}): EmbeddingsRequest => ({
  model: 'gemini-embedding-001',
  input: ['What is the meaning of life?'],
  ...fields,
});

describe('Gemini embeddings', () => {
  it('builds one batchEmbedContents request per input, each naming the model', () => {
    expect(
      embeddings.buildRequest(
        request({ input: ['What is the meaning of life?', 'How much wood would a woodchuck chuck?'] }),
        'gemini-embedding-001',
      ),
    ).toEqual({
      path: '/v1beta/models/gemini-embedding-001:batchEmbedContents',
      body: {
        requests: [
          { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'What is the meaning of life?' }] } },
          {
            model: 'models/gemini-embedding-001',
            content: { parts: [{ text: 'How much wood would a woodchuck chuck?' }] },
          },
        ],
      },
    });
  });

  it.each([
    ['search_query', 'RETRIEVAL_QUERY'],
    ['search_document', 'RETRIEVAL_DOCUMENT'],
    ['classification', 'CLASSIFICATION'],
    ['clustering', 'CLUSTERING'],
    ['SEMANTIC_SIMILARITY', 'SEMANTIC_SIMILARITY'],
    ['code_retrieval_query', 'CODE_RETRIEVAL_QUERY'],
  ])('input_type %s → taskType %s; dimensions → outputDimensionality', (inputType, taskType) => {
    const built = embeddings.buildRequest(request({ inputType, dimensions: 768 }), 'gemini-embedding-001');
    expect((built.body.requests as unknown[])[0]).toEqual({
      model: 'models/gemini-embedding-001',
      content: { parts: [{ text: 'What is the meaning of life?' }] },
      taskType,
      outputDimensionality: 768,
    });
  });

  it('refuses an input_type Gemini has no task for', () => {
    expect(() => embeddings.buildRequest(request({ inputType: 'image' }), 'gemini-embedding-001')).toThrow(
      UnsupportedParameterError,
    );
  });

  it('reads the batchEmbedContents answer (no token counts in it)', () => {
    const answer = { embeddings: [{ values: [0.0123, -0.0456, 0.0789] }, { values: [0.1, 0.2, 0.3] }] };
    expect(embeddings.decodeResponse(Buffer.from(JSON.stringify(answer)), request())).toEqual({
      model: 'gemini-embedding-001',
      embeddings: [
        [0.0123, -0.0456, 0.0789],
        [0.1, 0.2, 0.3],
      ],
      usage: undefined,
    });
  });

  it("reads Vertex AI's :predict answer, token counts summed", () => {
    const answer = {
      predictions: [
        { embeddings: { statistics: { truncated: false, token_count: 6 }, values: [0.0058, 0.0114] } },
        { embeddings: { statistics: { truncated: false, token_count: 8 }, values: [-0.0213, 0.0031] } },
      ],
      metadata: { billableCharacterCount: 60 },
    };
    expect(
      embeddings.decodeResponse(Buffer.from(JSON.stringify(answer)), request({ model: 'text-embedding-005' })),
    ).toEqual({
      model: 'text-embedding-005',
      embeddings: [
        [0.0058, 0.0114],
        [-0.0213, 0.0031],
      ],
      usage: { inputTokens: 14 },
    });
  });
});
