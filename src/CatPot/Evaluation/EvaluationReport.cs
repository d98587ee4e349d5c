using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CatPot.Evaluation;

/// <summary>Metrics over all structures and per domain; serialises to JSON and renders as markdown tables.</summary>
public sealed record EvaluationReport
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { CatPot.IO.NonFiniteJson.DoubleConverter, CatPot.IO.NonFiniteJson.SingleConverter }, // ±∞/NaN → null
    };

    /// <summary>All structures together.</summary>
    public required GroupMetrics Overall { get; init; }

    /// <summary>One entry per domain, ordered by name (ordinal).</summary>
    public required IReadOnlyList<GroupMetrics> Domains { get; init; }

    /// <summary>
    /// Where the targets fall relative to the model's histogram support (residual heads: the residuals), when the
    /// caller adds it (<see cref="PotentialPredictor.Coverage"/>); null for a point-only head.
    /// </summary>
    public Models.Heads.SupportCoverage? Support { get; init; }

    /// <summary>Computes the report of a set of predictions.</summary>
    /// <exception cref="ArgumentException">No predictions, or an inconsistent one (see <see cref="GroupMetrics.Compute"/>).</exception>
    public static EvaluationReport Compute(IReadOnlyList<StructurePrediction> predictions)
    {
        var domains = predictions.GroupBy(p => p.Domain, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => GroupMetrics.Compute(g.Key, g.ToList()))
            .ToList();
        return new EvaluationReport { Overall = GroupMetrics.Compute("overall", predictions), Domains = domains };
    }

    /// <summary>The report as indented JSON with snake_case keys; unavailable values are omitted.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a report written by <see cref="ToJson"/>.</summary>
    /// <remarks>Reports written before the output-vocabulary rename (<see cref="UncertaintyMetrics.LegacyKeys"/>) read too.</remarks>
    public static EvaluationReport FromJson(string json)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json) ?? throw new JsonException("The JSON holds no evaluation report.");
        RenameLegacyKeys(node);
        return node.Deserialize<EvaluationReport>(JsonOptions) ?? throw new JsonException("The JSON holds no evaluation report.");
    }

    private static void RenameLegacyKeys(System.Text.Json.Nodes.JsonNode? node)
    {
        if (node is System.Text.Json.Nodes.JsonObject obj)
        {
            foreach (var (old, current) in UncertaintyMetrics.LegacyKeys)
                if (obj.ContainsKey(old) && !obj.ContainsKey(current))
                {
                    var value = obj[old];
                    obj.Remove(old);
                    obj[current] = value;
                }
            foreach (var child in obj.Select(kv => kv.Value).ToList()) RenameLegacyKeys(child);
        }
        else if (node is System.Text.Json.Nodes.JsonArray array)
            foreach (var child in array) RenameLegacyKeys(child);
    }

    /// <summary>Plain markdown: an error table, and an uncertainty table when any group has uncertainty metrics.</summary>
    public string ToMarkdown()
    {
        var rows = new List<GroupMetrics> { Overall };
        rows.AddRange(Domains);
        var sb = new StringBuilder();
        sb.AppendLine("| group | n | atoms | E MAE (eV) | E RMSE (eV) | E MAE (meV/atom) | F MAE (eV/Å) | F RMSE (eV/Å) | F cos |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var g in rows)
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {g.Group} | {g.Structures} | {g.Atoms} | {F(g.EnergyMae, 4)} | {F(g.EnergyRmse, 4)} | {F(g.EnergyMaePerAtom * 1000, 1)} | {F(g.ForceMae, 4)} | {F(g.ForceRmse, 4)} | {F(g.ForceCosine, 3)} |");
        if (rows.Any(r => r.Uncertainty is not null))
        {
            sb.AppendLine();
            sb.AppendLine("| group | Pearson H | Spearman H | Pearson std_E | Spearman std_E | AUROC H | AUROC std_E | mean H (nats) | mean std_E (eV) | NLL (nats, y_n) | miscal. area |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var g in rows)
            {
                var u = g.Uncertainty;
                if (u is null) continue;
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {g.Group} | {F(u.PearsonEntropy, 3)} | {F(u.SpearmanEntropy, 3)} | {F(u.PearsonStdE, 3)} | {F(u.SpearmanStdE, 3)} | {F(u.AurocEntropy, 3)} | {F(u.AurocStdE, 3)} | {F(u.MeanEntropy, 3)} | {F(u.MeanStdE, 3)} | {F(u.MeanNll, 3)} | {F(u.MiscalibrationArea, 3)} |");
            }
        }
        return sb.ToString();
    }

    private static string F(double? x, int digits) => x is { } v ? v.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : "–";
}
