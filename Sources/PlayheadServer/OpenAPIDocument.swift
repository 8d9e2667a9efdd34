/// The OpenAPI 3.1 description of every route (`GET /openapi.yaml`). A test checks that every route
/// the router registers is described here, so the document cannot silently fall behind.
enum OpenAPIDocument {
    static let yaml = """
    openapi: 3.1.0
    info:
      title: Playhead
      version: 0.1.0
      description: >
        Video and image inference serving. KServe v2 inference protocol (REST) with the binary tensor
        data extension; a media catalog, analysis jobs computed by workers, and their annotations.
        Every error is JSON {"error": {"code", "message"}} with a stable code, except under /v2, where the
        KServe protocol makes it {"error": message, "code": code}.
        When the server has a token, every route except health, metrics and this document needs
        `Authorization: Bearer <token>`.
    components:
      securitySchemes:
        bearer: {type: http, scheme: bearer}
      parameters:
        name: {name: name, in: path, required: true, schema: {type: string}, description: deployment (model) name}
        version: {name: version, in: path, required: true, schema: {type: string}}
      schemas:
        Error:
          type: object
          required: [error]
          properties:
            error:
              type: object
              required: [code, message]
              properties:
                code:
                  type: string
                  enum: [invalid_input, deployment_not_found, version_not_found, deadline_exceeded, queue_full,
                         cancelled, unavailable, inference_failed, invalid_config, remote_failed, internal,
                         not_found, payload_too_large, unauthorized, unsupported_format, corrupt_media,
                         empty_file, no_video_stream, unknown_feature, invalid_range, conflict]
                message: {type: string}
        KServeError:
          type: object
          required: [error]
          properties:
            error: {type: string, description: the message}
            code: {type: string, description: the same stable codes as Error}
        Media:
          type: object
          properties:
            id: {type: string, description: SHA-256 of the file's bytes (64 hex digits)}
            duration: {type: number}
            fps: {type: number}
            frame_count: {type: integer}
            width: {type: integer}
            height: {type: integer}
        Annotation:
          type: object
          properties:
            feature: {type: string, enum: [shots, faces, text, safety, speech]}
            start: {type: number, description: seconds}
            end: {type: number}
            label: {type: string}
            score: {type: number}
            box: {$ref: '#/components/schemas/Box'}
            payload: {description: 'the report item: {"order", "item"}'}
            model: {type: string, description: name@version}
        Job:
          type: object
          properties:
            id: {type: string}
            media: {type: string}
            features: {type: array, items: {type: string}}
            state: {type: string, enum: [queued, running, done, failed]}
            error: {type: string}
            computing: {type: array, items: {type: string}, description: features computed by this job (POST only)}
            reused: {type: array, items: {type: string}, description: features already in the store (POST only)}
            progress:
              type: object
              properties: {chunks_done: {type: integer}, chunks: {type: integer}, frames_done: {type: integer}}
            cost:
              type: object
              properties: {cpu_seconds: {type: number}, chunk_wall_seconds: {type: number}, elapsed_seconds: {type: number}}
            chunks:
              type: array
              items:
                type: object
                properties:
                  start: {type: number}
                  end: {type: number}
                  state: {type: string, enum: [queued, leased, succeeded, failed]}
                  attempts: {type: integer}
                  frames_done: {type: integer}
                  cpu_seconds: {type: number}
                  wall_seconds: {type: number}
                  error: {type: string}
                  worker: {type: string}
        Box:
          type: object
          properties: {x: {type: number}, y: {type: number}, width: {type: number}, height: {type: number}}
        Tensor:
          type: object
          required: [name, shape, datatype]
          properties:
            name: {type: string}
            shape: {type: array, items: {type: integer}}
            datatype: {type: string, enum: [BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, BF16, FP32, FP64]}
            parameters:
              type: object
              properties:
                binary_data_size: {type: integer, description: bytes of this tensor in the binary part of the body}
            data: {type: array, description: row-major values (nested arrays allowed); absent when binary}
        InferRequest:
          type: object
          required: [inputs]
          properties:
            id: {type: string}
            parameters:
              type: object
              properties:
                binary_data_output: {type: boolean}
                priority: {type: integer, description: higher runs first}
                timeout: {type: integer, description: microseconds; past it the request fails with deadline_exceeded}
            inputs: {type: array, items: {$ref: '#/components/schemas/Tensor'}}
            outputs:
              type: array
              items:
                type: object
                required: [name]
                properties:
                  name: {type: string}
                  parameters: {type: object, properties: {binary_data: {type: boolean}}}
        InferResponse:
          type: object
          properties:
            id: {type: string}
            model_name: {type: string}
            model_version: {type: string}
            outputs: {type: array, items: {$ref: '#/components/schemas/Tensor'}}
        ModelMetadata:
          type: object
          properties:
            name: {type: string}
            versions: {type: array, items: {type: string}}
            platform: {type: string}
            max_batch_size: {type: integer}
            inputs: {type: array, items: {$ref: '#/components/schemas/Tensor'}}
            outputs: {type: array, items: {$ref: '#/components/schemas/Tensor'}}
      responses:
        Error:
          description: failure
          content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
        KServeError:
          description: failure (KServe form)
          content: {application/json: {schema: {$ref: '#/components/schemas/KServeError'}}}
        Infer:
          description: >
            Outputs. With binary outputs the body is a JSON header of Inference-Header-Content-Length
            bytes followed by the tensors' bytes.
          headers:
            Inference-Header-Content-Length: {schema: {type: integer}}
          content:
            application/json: {schema: {$ref: '#/components/schemas/InferResponse'}}
            application/octet-stream: {schema: {type: string, format: binary}}
    security:
      - bearer: []
    paths:
      /v2/health/live:
        get:
          security: []
          responses: {'200': {description: the process is up}}
      /v2/health/ready:
        get:
          security: []
          responses: {'200': {description: every deployment has a replica ready}, '503': {$ref: '#/components/responses/KServeError'}}
      /v2:
        get:
          responses: {'200': {description: 'server metadata: name, version, extensions'}}
      /v2/models/{name}:
        get:
          parameters: [{$ref: '#/components/parameters/name'}]
          responses:
            '200': {description: model metadata, content: {application/json: {schema: {$ref: '#/components/schemas/ModelMetadata'}}}}
            '404': {$ref: '#/components/responses/KServeError'}
      /v2/models/{name}/versions/{version}:
        get:
          parameters: [{$ref: '#/components/parameters/name'}, {$ref: '#/components/parameters/version'}]
          responses:
            '200': {description: model metadata, content: {application/json: {schema: {$ref: '#/components/schemas/ModelMetadata'}}}}
            '404': {$ref: '#/components/responses/KServeError'}
      /v2/models/{name}/ready:
        get:
          parameters: [{$ref: '#/components/parameters/name'}]
          responses: {'200': {description: ready}, '404': {$ref: '#/components/responses/KServeError'}, '503': {$ref: '#/components/responses/KServeError'}}
      /v2/models/{name}/versions/{version}/ready:
        get:
          parameters: [{$ref: '#/components/parameters/name'}, {$ref: '#/components/parameters/version'}]
          responses: {'200': {description: ready}, '404': {$ref: '#/components/responses/KServeError'}, '503': {$ref: '#/components/responses/KServeError'}}
      /v2/models/{name}/infer:
        post:
          parameters:
            - {$ref: '#/components/parameters/name'}
            - {name: Inference-Header-Content-Length, in: header, schema: {type: integer}, description: length of the JSON header when the body carries binary tensors}
          requestBody:
            required: true
            content:
              application/json: {schema: {$ref: '#/components/schemas/InferRequest'}}
              application/octet-stream: {schema: {type: string, format: binary}}
          responses:
            '200': {$ref: '#/components/responses/Infer'}
            '400': {$ref: '#/components/responses/KServeError'}
            '401': {$ref: '#/components/responses/KServeError'}
            '404': {$ref: '#/components/responses/KServeError'}
            '413': {$ref: '#/components/responses/KServeError'}
            '503': {$ref: '#/components/responses/KServeError'}
            '504': {$ref: '#/components/responses/KServeError'}
      /v2/models/{name}/versions/{version}/infer:
        post:
          parameters:
            - {$ref: '#/components/parameters/name'}
            - {$ref: '#/components/parameters/version'}
            - {name: Inference-Header-Content-Length, in: header, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json: {schema: {$ref: '#/components/schemas/InferRequest'}}
              application/octet-stream: {schema: {type: string, format: binary}}
          responses:
            '200': {$ref: '#/components/responses/Infer'}
            '400': {$ref: '#/components/responses/KServeError'}
            '404': {$ref: '#/components/responses/KServeError'}
            '503': {$ref: '#/components/responses/KServeError'}
      /v1/images/analyze:
        post:
          parameters:
            - {name: features, in: query, schema: {type: string, default: faces}, description: 'comma list of faces, safety'}
          requestBody:
            required: true
            content:
              image/jpeg: {schema: {type: string, format: binary}}
              image/png: {schema: {type: string, format: binary}}
          responses:
            '200':
              description: detections in source pixels
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      width: {type: integer}
                      height: {type: integer}
                      faces:
                        type: array
                        items: {type: object, properties: {score: {type: number}, box: {$ref: '#/components/schemas/Box'}}}
                      safety:
                        type: object
                        properties:
                          explicit: {type: boolean}
                          detections:
                            type: array
                            items: {type: object, properties: {label: {type: string}, score: {type: number}, box: {$ref: '#/components/schemas/Box'}}}
            '400': {$ref: '#/components/responses/Error'}
            '404': {$ref: '#/components/responses/Error'}
            '413': {$ref: '#/components/responses/Error'}
      /v1/media:
        post:
          description: >
            Upload a media file: the raw bytes as the body, or a multipart/form-data form with a file field.
            Streamed to disk, hashed (the id is its SHA-256), probed; a new media starts the registered pipelines' jobs.
          requestBody:
            required: true
            content:
              application/octet-stream: {schema: {type: string, format: binary}}
              multipart/form-data: {schema: {type: object, properties: {file: {type: string, format: binary}}}}
          responses:
            '201':
              description: a new media
              content:
                application/json:
                  schema:
                    allOf:
                      - {$ref: '#/components/schemas/Media'}
                      - type: object
                        properties:
                          bytes: {type: integer}
                          new: {type: boolean}
                          jobs: {type: array, items: {type: object, properties: {pipeline: {type: string}, id: {type: string}, computing: {type: array, items: {type: string}}}}}
            '200': {description: the same bytes were uploaded before, content: {application/json: {schema: {$ref: '#/components/schemas/Media'}}}}
            '400': {$ref: '#/components/responses/Error'}
            '413': {$ref: '#/components/responses/Error'}
        get:
          parameters:
            - {name: limit, in: query, schema: {type: integer, default: 100, minimum: 1, maximum: 1000}}
          responses:
            '200':
              description: the most recently added media first
              content: {application/json: {schema: {type: object, properties: {media: {type: array, items: {$ref: '#/components/schemas/Media'}}}}}}
      /v1/media/{id}:
        get:
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          responses:
            '200': {description: the media, content: {application/json: {schema: {$ref: '#/components/schemas/Media'}}}}
            '400': {$ref: '#/components/responses/Error'}
            '404': {$ref: '#/components/responses/Error'}
      /v1/media/{id}/annotations:
        get:
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
            - {name: feature, in: query, schema: {type: string, enum: [shots, faces, text, safety, speech]}, description: every feature when absent}
            - {name: from, in: query, schema: {type: number, default: 0}}
            - {name: to, in: query, schema: {type: number}, description: the end of the media when absent}
            - {name: model, in: query, schema: {type: string}, description: 'name@version; every version when absent'}
          responses:
            '200':
              description: annotations overlapping [from, to), by start
              content: {application/json: {schema: {type: object, properties: {media: {type: string}, annotations: {type: array, items: {$ref: '#/components/schemas/Annotation'}}}}}}
            '400': {$ref: '#/components/responses/Error'}
            '404': {$ref: '#/components/responses/Error'}
      /v1/media/{id}/file:
        get:
          description: the media file's bytes (for the player's video element); byte ranges supported
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
            - {name: Range, in: header, schema: {type: string}, description: 'bytes=START-[END]'}
          responses:
            '200': {description: the whole file, content: {application/octet-stream: {schema: {type: string, format: binary}}}}
            '206': {description: the requested range, content: {application/octet-stream: {schema: {type: string, format: binary}}}}
            '404': {$ref: '#/components/responses/Error'}
            '416': {$ref: '#/components/responses/Error'}
      /v1/sessions:
        get:
          description: >
            Upgrades to a WebSocket for interactive playback sessions (JSON text messages: open, play, pause,
            seek, close → opened, result, stats, closed, error); the protocol is in README.md, "Interactive sessions".
          responses:
            '101': {description: switching to the WebSocket protocol}
            '401': {$ref: '#/components/responses/Error'}
      /:
        get:
          description: the player page (plays a media, draws session results over it)
          responses: {'200': {description: HTML, content: {text/html: {schema: {type: string}}}}}
      /player:
        get:
          parameters: [{name: media, in: query, schema: {type: string}, description: open this media at once}]
          responses: {'200': {description: HTML, content: {text/html: {schema: {type: string}}}}}
      /v1/jobs:
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [media, features]
                  properties:
                    media: {type: string}
                    features: {type: array, items: {type: string, enum: [shots, faces, text, safety, speech]}}
                    fps: {type: number, default: 5, description: face frames per second}
                    text_fps: {type: number, default: 1}
                    safety_fps: {type: number, default: 2}
                    face_model: {type: string, enum: [blazeface-full, blazeface-short], default: blazeface-full}
                    chunk_seconds: {type: number, default: 0, description: task length; 0 is one task}
          responses:
            '202': {description: queued for the features the store lacks, content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}}
            '200': {description: everything was in the store; the job is done, content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}}
            '400': {$ref: '#/components/responses/Error'}
            '404': {$ref: '#/components/responses/Error'}
      /v1/jobs/{id}:
        get:
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          responses:
            '200': {description: state, per-chunk progress, cost and errors, content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}}
            '400': {$ref: '#/components/responses/Error'}
            '404': {$ref: '#/components/responses/Error'}
      /metrics:
        get:
          security: []
          responses: {'200': {description: Prometheus text format, content: {text/plain: {schema: {type: string}}}}}
      /openapi.yaml:
        get:
          security: []
          responses: {'200': {description: this document, content: {application/yaml: {schema: {type: string}}}}}

    """
}
