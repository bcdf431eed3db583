/** The OpenAPI 3.0 description of /ogc (the landing page's `service-desc`): what QGIS and GDAL read to use the API. */
import { COLLECTION_IDS } from './collections.ts';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

const json = (ref: string) => ({ 'application/json': { schema: { $ref: ref } } });
const geojson = (ref: string) => ({ 'application/geo+json': { schema: { $ref: ref } } });
const errors = {
  400: { description: 'A query parameter has an invalid value.', content: json('#/components/schemas/exception') },
  404: { description: 'The collection or feature does not exist.', content: json('#/components/schemas/exception') },
};

export function openApiDocument(base: string) {
  return {
    openapi: '3.0.3',
    info: {
      title: '城管慧眼 citylens — OGC API – Features',
      version: '1.0.0',
      description: 'Unit grids, work grids, districts, roads, zones and components of the digital urban management system, as GeoJSON (WGS84 / CRS84).',
    },
    servers: [{ url: `${base}/ogc` }],
    paths: {
      '/': { get: { operationId: 'getLandingPage', summary: 'Landing page', responses: { 200: { description: 'Links to the API description, conformance and collections.', content: json('#/components/schemas/landingPage') } } } },
      '/conformance': { get: { operationId: 'getConformance', summary: 'Conformance classes', responses: { 200: { description: 'The conformance classes implemented.', content: json('#/components/schemas/confClasses') } } } },
      '/api': { get: { operationId: 'getApi', summary: 'This document', responses: { 200: { description: 'OpenAPI 3.0', content: { 'application/vnd.oai.openapi+json;version=3.0': { schema: { type: 'object' } } } } } } },
      '/collections': { get: { operationId: 'getCollections', summary: 'Feature collections', responses: { 200: { description: 'The collections.', content: json('#/components/schemas/collections') } } } },
      '/collections/{collectionId}': {
        get: {
          operationId: 'describeCollection', summary: 'One collection', parameters: [{ $ref: '#/components/parameters/collectionId' }],
          responses: { 200: { description: 'The collection.', content: json('#/components/schemas/collection') }, 404: errors[404] },
        },
      },
      '/collections/{collectionId}/items': {
        get: {
          operationId: 'getFeatures', summary: 'Features of a collection, paged by limit/offset with next links',
          parameters: [
            { $ref: '#/components/parameters/collectionId' }, { $ref: '#/components/parameters/limit' },
            { $ref: '#/components/parameters/offset' }, { $ref: '#/components/parameters/bbox' }, { $ref: '#/components/parameters/datetime' },
          ],
          responses: { 200: { description: 'A page of features.', content: geojson('#/components/schemas/featureCollectionGeoJSON') }, ...errors },
        },
      },
      '/collections/{collectionId}/items/{featureId}': {
        get: {
          operationId: 'getFeature', summary: 'One feature',
          parameters: [{ $ref: '#/components/parameters/collectionId' }, { $ref: '#/components/parameters/featureId' }],
          responses: { 200: { description: 'The feature.', content: geojson('#/components/schemas/featureGeoJSON') }, 404: errors[404] },
        },
      },
    },
    components: {
      parameters: {
        collectionId: { name: 'collectionId', in: 'path', required: true, schema: { type: 'string', enum: [...COLLECTION_IDS] } },
        featureId: { name: 'featureId', in: 'path', required: true, schema: { type: 'string' } },
        limit: {
          name: 'limit', in: 'query', required: false, style: 'form', explode: false,
          description: `Features per page (default ${DEFAULT_LIMIT}; larger values are capped at ${MAX_LIMIT}).`,
          schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
        },
        offset: { name: 'offset', in: 'query', required: false, schema: { type: 'integer', minimum: 0, default: 0 } },
        bbox: {
          name: 'bbox', in: 'query', required: false, style: 'form', explode: false,
          description: 'minLon,minLat,maxLon,maxLat in CRS84 (6 values with heights are accepted; heights are ignored).',
          schema: { type: 'array', minItems: 4, maxItems: 6, items: { type: 'number' } },
        },
        datetime: { name: 'datetime', in: 'query', required: false, description: 'Accepted; these collections have no temporal extent.', schema: { type: 'string' } },
      },
      schemas: {
        exception: { type: 'object', required: ['code'], properties: { code: { type: 'string' }, description: { type: 'string' } } },
        link: {
          type: 'object', required: ['href'],
          properties: { href: { type: 'string' }, rel: { type: 'string' }, type: { type: 'string' }, title: { type: 'string' } },
        },
        landingPage: {
          type: 'object', required: ['links'],
          properties: { title: { type: 'string' }, description: { type: 'string' }, links: { type: 'array', items: { $ref: '#/components/schemas/link' } } },
        },
        confClasses: { type: 'object', required: ['conformsTo'], properties: { conformsTo: { type: 'array', items: { type: 'string' } } } },
        collection: {
          type: 'object', required: ['id', 'links'],
          properties: {
            id: { type: 'string' }, title: { type: 'string' }, description: { type: 'string' }, itemType: { type: 'string' },
            links: { type: 'array', items: { $ref: '#/components/schemas/link' } },
            extent: { type: 'object' }, crs: { type: 'array', items: { type: 'string' } },
          },
        },
        collections: {
          type: 'object', required: ['links', 'collections'],
          properties: { links: { type: 'array', items: { $ref: '#/components/schemas/link' } }, collections: { type: 'array', items: { $ref: '#/components/schemas/collection' } } },
        },
        featureGeoJSON: {
          type: 'object', required: ['type', 'geometry', 'properties'],
          properties: { type: { type: 'string', enum: ['Feature'] }, id: { type: 'string' }, geometry: { type: 'object', nullable: true }, properties: { type: 'object', nullable: true } },
        },
        featureCollectionGeoJSON: {
          type: 'object', required: ['type', 'features'],
          properties: {
            type: { type: 'string', enum: ['FeatureCollection'] },
            features: { type: 'array', items: { $ref: '#/components/schemas/featureGeoJSON' } },
            links: { type: 'array', items: { $ref: '#/components/schemas/link' } },
            timeStamp: { type: 'string', format: 'date-time' },
            numberMatched: { type: 'integer', minimum: 0 },
            numberReturned: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
  };
}
