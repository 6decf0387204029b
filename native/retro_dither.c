/* Backlot retro kernels: the serial loops of production/retro in plain C99, called through ctypes.
 *
 * No CPython API, so one library per platform serves every Python. The numpy code in production/retro
 * (pipeline.py, gamut.py, dither.py) is the specification and the fallback: error diffusion and gamut mapping
 * here repeat its float64 operations in the same order, so results are bit-identical; compile without
 * floating-point contraction (-ffp-contract=off), or a fused multiply-add would round differently.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <stdint.h>
#include <stdlib.h>

#if defined(_WIN32)
#define BACKLOT_EXPORT __declspec(dllexport)
#else
#define BACKLOT_EXPORT __attribute__((visibility("default")))
#endif

/* Bumped whenever a signature below changes; the loader refuses a library with another version. */
#define BACKLOT_RETRO_ABI 1

BACKLOT_EXPORT int32_t backlot_retro_abi(void) { return BACKLOT_RETRO_ABI; }

/* Clip to [0, 1]; NaN becomes 0 (as numpy's nan_to_num then clip). */
static inline double clamp_unit(double value) { return value > 0.0 ? (value < 1.0 ? value : 1.0) : 0.0; }

/* Table cell of a clipped linear colour, as NearestColourLUT.cells: each channel's sRGB bin (`bins` has
 * steps + 1 entries, one per quantised linear step) packed `bits` bits per channel, red highest. */
static inline int64_t lut_cell(const uint8_t *bins, int64_t steps, int32_t bits, double r, double g,
                               double b) {
    const double scale = (double)steps;
    const int64_t red = bins[(int64_t)(r * scale)], green = bins[(int64_t)(g * scale)];
    return (red << (2 * bits)) | (green << bits) | (int64_t)bins[(int64_t)(b * scale)];
}

/* GamutMap.apply of `count` pixels (`pixel_stride` doubles apart, RGB first) into contiguous RGB `out`:
 * clip to [0, 1], then add the displacement of the pixel's cell. */
BACKLOT_EXPORT void backlot_gamut_apply(const double *source, int64_t count, int64_t pixel_stride,
                                        const uint8_t *bins, int64_t steps, int32_t bits,
                                        const float *displacement, double *out) {
    for (int64_t i = 0; i < count; ++i) {
        const double *pixel = source + pixel_stride * i;
        const double r = clamp_unit(pixel[0]), g = clamp_unit(pixel[1]), b = clamp_unit(pixel[2]);
        const float *shift = displacement + 3 * lut_cell(bins, steps, bits, r, g, b);
        out[3 * i] = r + (double)shift[0];
        out[3 * i + 1] = g + (double)shift[1];
        out[3 * i + 2] = b + (double)shift[2];
    }
}

/* Error diffusion over `work` (height x width RGB float64, consumed): the textbook loop. Each pixel is
 * clipped, mapped to a palette index through the LUT (`table` indexed by cell), and its linear error pushed
 * to the kernel taps (dy, dx, weight) in tap order; on serpentine odd rows the scan runs right to left with
 * dx mirrored. */
BACKLOT_EXPORT void backlot_error_diffuse(double *work, int64_t height, int64_t width,
                                          const int32_t *tap_dy, const int32_t *tap_dx,
                                          const double *tap_weight, int32_t tap_count,
                                          int32_t serpentine, const uint8_t *bins, int64_t steps,
                                          int32_t bits, const uint16_t *table,
                                          const double *palette_linear, int64_t *chosen) {
    for (int64_t y = 0; y < height; ++y) {
        const int backwards = serpentine && (y % 2 == 1);
        for (int64_t step = 0; step < width; ++step) {
            const int64_t x = backwards ? width - 1 - step : step;
            double *pixel = work + 3 * (y * width + x);
            const double r = clamp_unit(pixel[0]), g = clamp_unit(pixel[1]), b = clamp_unit(pixel[2]);
            const int64_t index = table[lut_cell(bins, steps, bits, r, g, b)];
            chosen[y * width + x] = index;
            const double *colour = palette_linear + 3 * index;
            const double error_r = r - colour[0], error_g = g - colour[1], error_b = b - colour[2];
            for (int32_t k = 0; k < tap_count; ++k) {
                const int64_t target_y = y + tap_dy[k];
                const int64_t target_x = backwards ? x - tap_dx[k] : x + tap_dx[k];
                if (target_y >= height || target_x < 0 || target_x >= width) continue;
                double *target = work + 3 * (target_y * width + target_x);
                const double weight = tap_weight[k];
                target[0] = target[0] + error_r * weight;
                target[1] = target[1] + error_g * weight;
                target[2] = target[2] + error_b * weight;
            }
        }
    }
}

/* Area-average weights along one axis: the span [start, stop) in source units cut into `count` equal
 * intervals; interval i covers items first[i] .. end[i] - 1, item j weighted weights[i * most + j - first[i]]
 * by how much of it the interval covers (the weights of an interval sum to 1). */
typedef struct {
    int64_t *first, *end, most;
    float *weights;
} AxisWeights;

static int axis_weights(int64_t length, double start, double stop, int64_t count, AxisWeights *axis) {
    if (length < 1 || count < 1 || !(stop > start)) return -1;
    axis->most = length / count + 2; /* an interval is at most length / count long */
    axis->first = malloc(sizeof(int64_t) * (size_t)(2 * count));
    axis->weights = malloc(sizeof(float) * (size_t)(axis->most * count));
    if (axis->first == NULL || axis->weights == NULL) return -1;
    axis->end = axis->first + count;
    const double per_item = (double)count / (stop - start);
    for (int64_t i = 0; i < count; ++i) {
        const double low = start + (stop - start) * (double)i / (double)count;
        const double high = start + (stop - start) * (double)(i + 1) / (double)count;
        const int64_t first = (int64_t)low;
        int64_t end = (int64_t)high + ((double)(int64_t)high < high);
        if (end > length) end = length;
        axis->first[i] = first;
        axis->end[i] = end;
        for (int64_t item = first; item < end; ++item) {
            const double upper = high < (double)(item + 1) ? high : (double)(item + 1);
            const double lower = low > (double)item ? low : (double)item;
            axis->weights[i * axis->most + item - first] = (float)((upper - lower) * per_item);
        }
    }
    return 0;
}

/* One output row from the summed source line: per output pixel, the coverage-weighted sum of the line's
 * pixels (`channels` <= 4 floats each). Inlined with channels == 4 as a constant, the channel loop becomes
 * one vector operation per source pixel. */
static inline void average_line(const float *restrict line, const AxisWeights *columns, int64_t out_width,
                                int64_t channels, double *restrict out) {
    for (int64_t j = 0; j < out_width; ++j) {
        float sum[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        const float *w = columns->weights + j * columns->most;
        for (int64_t x = columns->first[j]; x < columns->end[j]; ++x) {
            const float weight = w[x - columns->first[j]];
            for (int64_t c = 0; c < channels; ++c) sum[c] += weight * line[x * channels + c];
        }
        for (int64_t c = 0; c < channels; ++c) out[j * channels + c] = (double)sum[c];
    }
}

/* Area-average downscale of a float32 window (height x width pixels of 1-4 `channels` floats, rows
 * `row_stride` floats apart) to out_height x out_width float64 pixels: the C twin of pipeline.area_downscale.
 * [y0, y1) x [x0, x1) in window pixels is the source box. Per output row the source rows are summed into one
 * float32 line (cache-resident), then the line's pixels are summed per output pixel. Returns 0, -1 when
 * memory for the weights runs out or the box is empty, -2 for more than 4 channels. */
BACKLOT_EXPORT int32_t backlot_area_downscale_f32(const float *restrict source, int64_t height, int64_t width,
                                                  int64_t channels, int64_t row_stride, double y0, double y1,
                                                  int64_t out_height, double x0, double x1, int64_t out_width,
                                                  double *restrict out) {
    AxisWeights rows = {0}, columns = {0};
    const int64_t line_length = width * channels;
    float *restrict line = malloc(sizeof(float) * (size_t)line_length);
    int32_t status = channels > 4 ? -2 : -1;
    if (channels <= 4 && line != NULL && axis_weights(height, y0, y1, out_height, &rows) == 0 &&
        axis_weights(width, x0, x1, out_width, &columns) == 0) {
        for (int64_t i = 0; i < out_height; ++i) {
            for (int64_t k = 0; k < line_length; ++k) line[k] = 0.0f;
            /* Four rows, then two, then one per pass over the line: fewer loads and stores of the line
             * (the frame itself is read once either way). */
            const float *w = rows.weights + i * rows.most; /* w[n]: source row top + n */
            const int64_t top = rows.first[i];
            int64_t y = top;
            for (; y + 3 < rows.end[i]; y += 4) {
                const float w0 = w[y - top], w1 = w[y - top + 1], w2 = w[y - top + 2], w3 = w[y - top + 3];
                const float *restrict a = source + y * row_stride, *restrict b = a + row_stride;
                const float *restrict c = b + row_stride, *restrict d = c + row_stride;
                for (int64_t k = 0; k < line_length; ++k) {
                    line[k] += (w0 * a[k] + w1 * b[k]) + (w2 * c[k] + w3 * d[k]);
                }
            }
            for (; y + 1 < rows.end[i]; y += 2) {
                const float w0 = w[y - top], w1 = w[y - top + 1];
                const float *restrict a = source + y * row_stride, *restrict b = a + row_stride;
                for (int64_t k = 0; k < line_length; ++k) line[k] += w0 * a[k] + w1 * b[k];
            }
            for (; y < rows.end[i]; ++y) {
                const float *restrict a = source + y * row_stride;
                for (int64_t k = 0; k < line_length; ++k) line[k] += w[y - top] * a[k];
            }
            double *restrict out_row = out + i * out_width * channels;
            if (channels == 4) {
                average_line(line, &columns, out_width, 4, out_row);
            } else {
                average_line(line, &columns, out_width, channels, out_row);
            }
        }
        status = 0;
    }
    free(line);
    free(rows.first);
    free(rows.weights);
    free(columns.first);
    free(columns.weights);
    return status;
}
