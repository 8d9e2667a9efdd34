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
        data extension. Every error is JSON {"error": {"code", "message"}} with a stable code.
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
                         empty_file, no_video_stream]
                message: {type: string}
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
          responses: {'200': {description: every deployment has a replica ready}, '503': {$ref: '#/components/responses/Error'}}
      /v2:
        get:
          responses: {'200': {description: 'server metadata: name, version, extensions'}}
      /v2/models/{name}:
        get:
          parameters: [{$ref: '#/components/parameters/name'}]
          responses:
            '200': {description: model metadata, content: {application/json: {schema: {$ref: '#/components/schemas/ModelMetadata'}}}}
            '404': {$ref: '#/components/responses/Error'}
      /v2/models/{name}/versions/{version}:
        get:
          parameters: [{$ref: '#/components/parameters/name'}, {$ref: '#/components/parameters/version'}]
          responses:
            '200': {description: model metadata, content: {application/json: {schema: {$ref: '#/components/schemas/ModelMetadata'}}}}
            '404': {$ref: '#/components/responses/Error'}
      /v2/models/{name}/ready:
        get:
          parameters: [{$ref: '#/components/parameters/name'}]
          responses: {'200': {description: ready}, '404': {$ref: '#/components/responses/Error'}, '503': {$ref: '#/components/responses/Error'}}
      /v2/models/{name}/versions/{version}/ready:
        get:
          parameters: [{$ref: '#/components/parameters/name'}, {$ref: '#/components/parameters/version'}]
          responses: {'200': {description: ready}, '404': {$ref: '#/components/responses/Error'}, '503': {$ref: '#/components/responses/Error'}}
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
            '400': {$ref: '#/components/responses/Error'}
            '401': {$ref: '#/components/responses/Error'}
            '404': {$ref: '#/components/responses/Error'}
            '413': {$ref: '#/components/responses/Error'}
            '503': {$ref: '#/components/responses/Error'}
            '504': {$ref: '#/components/responses/Error'}
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
            '400': {$ref: '#/components/responses/Error'}
            '404': {$ref: '#/components/responses/Error'}
            '503': {$ref: '#/components/responses/Error'}
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
