using System.Globalization;
using System.Net;
using System.Text;

namespace Fleet.Cli.Plan.Replay;

/// <summary>A small SVG of empirical CDFs, one panel per latency, predicted against measured: for the benchmark notes.</summary>
public static class CdfPlot
{
    private const int PanelWidth = 420;
    private const int PanelHeight = 300;
    private const int Margin = 48;

    /// <summary>One panel: a title and named sample sets (seconds), drawn as step CDFs on a shared millisecond axis.</summary>
    public sealed record Panel(string Title, IReadOnlyList<(string Name, string Color, IReadOnlyList<double> Seconds)> Series);

    public static string Svg(string title, IReadOnlyList<Panel> panels)
    {
        ArgumentNullException.ThrowIfNull(panels);
        var width = (PanelWidth + Margin) * panels.Count + Margin;
        var height = PanelHeight + (2 * Margin) + 30;
        var s = new StringBuilder();
        void A(FormattableString text) => s.Append(text.ToString(CultureInfo.InvariantCulture)).Append('\n');
        A($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">");
        A($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>");
        A($"<text x=\"{Margin}\" y=\"20\" font-size=\"14\">{WebUtility.HtmlEncode(title)}</text>");
        for (var p = 0; p < panels.Count; p++)
        {
            var x0 = Margin + (p * (PanelWidth + Margin));
            var y0 = Margin;
            var panel = panels[p];
            var all = panel.Series.SelectMany(x => x.Seconds).Where(double.IsFinite).ToList();
            var max = all.Count == 0 ? 1 : all.Max() * 1000 * 1.05;
            A($"<rect x=\"{x0}\" y=\"{y0}\" width=\"{PanelWidth}\" height=\"{PanelHeight}\" fill=\"none\" stroke=\"#888\"/>");
            A($"<text x=\"{x0}\" y=\"{y0 - 8}\">{WebUtility.HtmlEncode(panel.Title)} (CDF; x in ms, 0 to {max:G4})</text>");
            for (var k = 0; k <= 4; k++)
            {
                var gx = x0 + (k * PanelWidth / 4.0);
                var gy = y0 + PanelHeight - (k * PanelHeight / 4.0);
                A($"<text x=\"{gx:F1}\" y=\"{y0 + PanelHeight + 16}\" text-anchor=\"middle\">{max * k / 4:0.#}</text>");
                A($"<text x=\"{x0 - 4}\" y=\"{gy + 4:F1}\" text-anchor=\"end\">{k * 25}%</text>");
            }

            var legend = 0;
            foreach (var (name, color, seconds) in panel.Series)
            {
                var sorted = seconds.Where(double.IsFinite).Select(v => v * 1000).Order().ToList();
                var points = new StringBuilder();
                for (var i = 0; i < sorted.Count; i++)
                {
                    var x = x0 + (sorted[i] / max * PanelWidth);
                    points.Append(CultureInfo.InvariantCulture, $"{x:F1},{y0 + PanelHeight - (i * (double)PanelHeight / sorted.Count):F1} ");
                    points.Append(CultureInfo.InvariantCulture, $"{x:F1},{y0 + PanelHeight - ((i + 1) * (double)PanelHeight / sorted.Count):F1} ");
                }

                A($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" points=\"{points.ToString().TrimEnd()}\"/>");
                A($"<text x=\"{x0 + PanelWidth - 8}\" y=\"{y0 + PanelHeight - 12 - (legend * 16)}\" text-anchor=\"end\" fill=\"{color}\">{WebUtility.HtmlEncode(name)} (n = {sorted.Count})</text>");
                legend++;
            }
        }

        A($"</svg>");
        return s.ToString();
    }
}
