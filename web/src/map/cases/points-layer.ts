/**
 * ScatterplotLayer drawn as one GL point per case instead of one instanced quad per case. Same props, same
 * attributes (binary data works as for ScatterplotLayer), same look and picking. Why: software WebGL
 * (SwiftShader — headless Chromium, GPU-less wall PCs) pays a large fixed cost per instance of an instanced
 * draw; measured in Chromium here, 60k instanced quads took ~850 ms a frame against ~150 ms for 60k points. On
 * a real GPU both are well under a millisecond.
 * Points are culled by their centre: a case whose centre is off screen vanishes a few pixels early at the edge.
 */
import { ScatterplotLayer, type ScatterplotLayerProps } from '@deck.gl/layers';
import { Model } from '@luma.gl/engine';

const vs = /* glsl */ `\
#version 300 es
#define SHADER_NAME case-points-vertex-shader
in vec3 instancePositions;
in vec3 instancePositions64Low;
in float instanceRadius;
in float instanceLineWidths;
in vec4 instanceFillColors;
in vec4 instanceLineColors;
out vec4 vFillColor;
out vec4 vLineColor;
out float innerUnitRadius;
out float outerRadiusPixels;
void main(void) {
  geometry.worldPosition = instancePositions;
  outerRadiusPixels = clamp(
    project_size_to_pixel(scatterplot.radiusScale * instanceRadius, scatterplot.radiusUnits),
    scatterplot.radiusMinPixels, scatterplot.radiusMaxPixels
  );
  float lineWidthPixels = clamp(
    project_size_to_pixel(scatterplot.lineWidthScale * instanceLineWidths, scatterplot.lineWidthUnits),
    scatterplot.lineWidthMinPixels, scatterplot.lineWidthMaxPixels
  );
  outerRadiusPixels += scatterplot.stroked * lineWidthPixels / 2.0;
  innerUnitRadius = 1.0 - scatterplot.stroked * lineWidthPixels / outerRadiusPixels;
  geometry.pickingColor = picking_getPickingColorFromIndex(float(gl_VertexID));
  gl_Position = project_position_to_clipspace(instancePositions, instancePositions64Low, vec3(0.0), geometry.position);
  DECKGL_FILTER_GL_POSITION(gl_Position, geometry);
  // Drawing-buffer pixels, with one CSS pixel of room each side for the smoothed edge.
  gl_PointSize = 2.0 * (outerRadiusPixels + 1.0) * project.devicePixelRatio;
  vFillColor = vec4(instanceFillColors.rgb, instanceFillColors.a * layer.opacity);
  DECKGL_FILTER_COLOR(vFillColor, geometry);
  vLineColor = vec4(instanceLineColors.rgb, instanceLineColors.a * layer.opacity);
  DECKGL_FILTER_COLOR(vLineColor, geometry);
}
`;

const fs = /* glsl */ `\
#version 300 es
#define SHADER_NAME case-points-fragment-shader
precision highp float;
in vec4 vFillColor;
in vec4 vLineColor;
in float innerUnitRadius;
in float outerRadiusPixels;
out vec4 fragColor;
void main(void) {
  // gl_PointCoord spans the point: map it to units of the circle's radius, as the quad version's unitPosition.
  vec2 unitPosition = (gl_PointCoord * 2.0 - 1.0) * (outerRadiusPixels + 1.0) / outerRadiusPixels;
  geometry.uv = unitPosition;
  float distToCenter = length(unitPosition) * outerRadiusPixels;
  float inCircle = smoothedge(distToCenter, outerRadiusPixels);
  if (inCircle == 0.0) {
    discard;
  }
  if (scatterplot.stroked > 0.5) {
    float isLine = smoothedge(innerUnitRadius * outerRadiusPixels, distToCenter);
    fragColor = mix(vFillColor, vLineColor, isLine);
  } else {
    fragColor = vFillColor;
  }
  fragColor.a *= inCircle;
  DECKGL_FILTER_COLOR(fragColor, geometry);
}
`;

export class CasePointsLayer<D = unknown> extends ScatterplotLayer<D, ScatterplotLayerProps<D>> {
  static layerName = 'CasePointsLayer';

  getShaders() {
    const shaders = super.getShaders();
    return { ...shaders, vs, fs };
  }

  initializeState() {
    super.initializeState();
    // The same attributes as ScatterplotLayer's, stepping per vertex (one point per case) instead of per instance.
    const am = this.getAttributeManager()!;
    am.remove(Object.keys(am.getAttributes()));
    am.add({
      instancePositions: { size: 3, type: 'float64', fp64: this.use64bitPositions(), accessor: 'getPosition' },
      instanceRadius: { size: 1, accessor: 'getRadius', defaultValue: 1 },
      instanceFillColors: { size: this.props.colorFormat.length, type: 'unorm8', accessor: 'getFillColor', defaultValue: [0, 0, 0, 255] },
      instanceLineColors: { size: this.props.colorFormat.length, type: 'unorm8', accessor: 'getLineColor', defaultValue: [0, 0, 0, 255] },
      instanceLineWidths: { size: 1, accessor: 'getLineWidth', defaultValue: 1 },
    });
  }

  draw(opts: { uniforms: unknown }) {
    (this.state.model as Model | undefined)?.setVertexCount(this.getNumInstances());
    super.draw(opts as never);
  }

  protected _getModel(): Model {
    return new Model(this.context.device, {
      ...this.getShaders(),
      id: this.props.id,
      bufferLayout: this.getAttributeManager()!.getBufferLayouts(),
      topology: 'point-list',
      isInstanced: false,
      vertexCount: this.getNumInstances(),
    });
  }
}
