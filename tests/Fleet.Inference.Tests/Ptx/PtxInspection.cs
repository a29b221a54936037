using System.Text.RegularExpressions;

namespace Fleet.Inference.Tests.Ptx;

/// <summary>One <c>ld</c> instruction: its state space (<c>generic</c> when it names none, as ILGPU's array views do), vector width and element size.</summary>
public sealed record PtxLoad(string Instruction, string StateSpace, int VectorWidth, int ElementBytes)
{
    /// <summary>Bytes one thread reads with this instruction.</summary>
    public int Bytes => VectorWidth * ElementBytes;

    /// <summary>A read of device memory (global, or generic, which is how ILGPU addresses an <c>ArrayView</c>).</summary>
    public bool FromDeviceMemory => StateSpace is "global" or "generic";
}

/// <summary>A basic block of a PTX function: its label, instructions and the labels it can go to next.</summary>
public sealed record PtxBlock(string Label, IReadOnlyList<string> Instructions, IReadOnlyList<string> Successors);

/// <summary>A natural loop of a PTX function: its header block, every block in it, and whether it holds no other loop.</summary>
public sealed record PtxLoop(string Function, string Header, IReadOnlySet<string> Blocks, IReadOnlyList<PtxLoad> Loads, bool Innermost);

/// <summary>
/// Reads generated PTX the way a reviewer does: functions, basic blocks, loops (from the branch graph, since ILGPU
/// lays a loop's body out after its exit) and the loads inside them. E.g. "the GEMV's inner loop reads 16-byte
/// vectors": <c>PtxInspection.InnermostLoopLoads(compiler.PtxOf("GpuKernels.Gemv")).Any(l =&gt; l.FromDeviceMemory &amp;&amp; l.Bytes &gt;= 16)</c>.
/// </summary>
public static partial class PtxInspection
{
    private static readonly HashSet<string> s_stateSpaces = ["global", "shared", "local", "const", "param", "tex"];

    /// <summary>The entry and device functions of a module with their bodies (between the outer braces).</summary>
    public static IReadOnlyDictionary<string, string> Functions(string ptx)
    {
        var functions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in FunctionHeader().Matches(ptx))
        {
            var open = ptx.IndexOf('{', m.Index + m.Length);
            var semicolon = ptx.IndexOf(';', m.Index + m.Length);
            if (open < 0 || (semicolon >= 0 && semicolon < open))
            {
                continue; // a declaration (prototype), not a definition
            }

            var depth = 0;
            var close = open;
            for (; close < ptx.Length; close++)
            {
                depth += ptx[close] switch { '{' => 1, '}' => -1, _ => 0 };
                if (depth == 0)
                {
                    break;
                }
            }

            functions[m.Groups[1].Value] = ptx[(open + 1)..close];
        }

        return functions;
    }

    /// <summary>Every load in <paramref name="instructions"/>.</summary>
    public static IReadOnlyList<PtxLoad> Loads(IEnumerable<string> instructions)
    {
        var loads = new List<PtxLoad>();
        foreach (var instruction in instructions)
        {
            var opcode = Opcode(instruction);
            var parts = opcode.Split('.');
            if (parts[0] is not ("ld" or "ldu") || parts.Length < 2)
            {
                continue;
            }

            var type = TypeSuffix().Match(parts[^1]);
            if (!type.Success)
            {
                continue;
            }

            var space = parts.Skip(1).FirstOrDefault(s_stateSpaces.Contains) ?? "generic";
            var vector = parts.Select(p => VectorSuffix().Match(p)).FirstOrDefault(v => v.Success);
            var width = vector is null ? 1 : int.Parse(vector.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            var bits = int.Parse(type.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            loads.Add(new PtxLoad(instruction.Trim(), space, width, Math.Max(1, bits / 8)));
        }

        return loads;
    }

    /// <summary>The basic blocks of one function body, in layout order (the first is the entry block).</summary>
    public static IReadOnlyList<PtxBlock> Blocks(string body)
    {
        var blocks = new List<(string Label, List<string> Instructions, List<string> Successors, bool FallsThrough)>();
        (string Label, List<string> Instructions, List<string> Successors, bool FallsThrough) current = ("<entry>", [], [], true);
        foreach (var raw in body.Split('\n'))
        {
            var line = raw.Split("//")[0].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (Label().Match(line) is { Success: true } label)
            {
                blocks.Add(current);
                current = (label.Groups[1].Value, [], [], true);
                continue;
            }

            if (line.StartsWith('.') || line is "{" or "}")
            {
                continue; // declarations (.reg, .shared, ...) and scope braces
            }

            current.Instructions.Add(line);
            if (Branch().Match(line) is { Success: true } branch)
            {
                current.Successors.Add(branch.Groups[3].Value);
                if (!branch.Groups[1].Success)
                {
                    current.FallsThrough = false;
                }
            }
            else if (Opcode(line) is "ret" or "exit" or "trap")
            {
                if (!line.StartsWith('@'))
                {
                    current.FallsThrough = false;
                }
            }
        }

        blocks.Add(current);
        if (blocks[0].Instructions.Count == 0 && blocks.Count > 1)
        {
            blocks.RemoveAt(0);
        }

        var result = new List<PtxBlock>();
        for (var i = 0; i < blocks.Count; i++)
        {
            var successors = new List<string>(blocks[i].Successors);
            if (blocks[i].FallsThrough && i + 1 < blocks.Count)
            {
                successors.Add(blocks[i + 1].Label);
            }

            result.Add(new PtxBlock(blocks[i].Label, blocks[i].Instructions, successors.Distinct().ToList()));
        }

        return result;
    }

    /// <summary>The natural loops of every function of a module (one per header; back edges found from the entry block).</summary>
    public static IReadOnlyList<PtxLoop> Loops(string ptx)
    {
        var loops = new List<PtxLoop>();
        foreach (var (function, body) in Functions(ptx))
        {
            var blocks = Blocks(body);
            var byLabel = blocks.ToDictionary(b => b.Label);
            var predecessors = blocks.ToDictionary(b => b.Label, _ => new List<string>());
            foreach (var b in blocks)
            {
                foreach (var s in b.Successors.Where(byLabel.ContainsKey))
                {
                    predecessors[s].Add(b.Label);
                }
            }

            // Back edges: an edge to a block still on the depth-first path from the entry.
            var backEdges = new List<(string From, string Header)>();
            var state = new Dictionary<string, int>();
            var stack = new Stack<(string Label, int Next)>();
            stack.Push((blocks[0].Label, 0));
            state[blocks[0].Label] = 1;
            while (stack.Count > 0)
            {
                var (label, next) = stack.Pop();
                var successors = byLabel[label].Successors.Where(byLabel.ContainsKey).ToList();
                if (next < successors.Count)
                {
                    stack.Push((label, next + 1));
                    var s = successors[next];
                    if (!state.TryGetValue(s, out var st))
                    {
                        state[s] = 1;
                        stack.Push((s, 0));
                    }
                    else if (st == 1)
                    {
                        backEdges.Add((label, s));
                    }
                }
                else
                {
                    state[label] = 2;
                }
            }

            var bodies = new Dictionary<string, HashSet<string>>();
            foreach (var (from, header) in backEdges)
            {
                var members = bodies.TryGetValue(header, out var set) ? set : bodies[header] = [header];
                var work = new Stack<string>([from]);
                while (work.TryPop(out var n))
                {
                    if (members.Add(n))
                    {
                        foreach (var p in predecessors[n])
                        {
                            work.Push(p);
                        }
                    }
                }
            }

            foreach (var (header, members) in bodies)
            {
                var innermost = !bodies.Keys.Any(other => other != header && members.Contains(other));
                var loads = Loads(blocks.Where(b => members.Contains(b.Label)).SelectMany(b => b.Instructions));
                loops.Add(new PtxLoop(function, header, members, loads, innermost));
            }
        }

        return loops;
    }

    /// <summary>The loads inside the innermost loops of a module: what the hot loop of a kernel reads per step.</summary>
    public static IReadOnlyList<PtxLoad> InnermostLoopLoads(string ptx) =>
        Loops(ptx).Where(l => l.Innermost).SelectMany(l => l.Loads).ToList();

    private static string Opcode(string instruction)
    {
        var text = instruction.Trim();
        if (text.StartsWith('@'))
        {
            var space = text.IndexOfAny([' ', '\t']);
            text = space < 0 ? "" : text[space..].TrimStart();
        }

        var end = text.IndexOfAny([' ', '\t', ';']);
        return end < 0 ? text : text[..end];
    }

    [GeneratedRegex(@"\.(?:entry|func)\s+(?:\([^)]*\)\s*)?([A-Za-z_$][\w$]*)\s*\(")]
    private static partial Regex FunctionHeader();

    [GeneratedRegex(@"^([A-Za-z_$][\w$]*):$")]
    private static partial Regex Label();

    [GeneratedRegex(@"^(@!?%\w+\s+)?bra(\.uni)?\s+([A-Za-z_$][\w$]*)\s*;")]
    private static partial Regex Branch();

    [GeneratedRegex(@"^[bufs](\d+)$")]
    private static partial Regex TypeSuffix();

    [GeneratedRegex(@"^v(\d+)$")]
    private static partial Regex VectorSuffix();
}
