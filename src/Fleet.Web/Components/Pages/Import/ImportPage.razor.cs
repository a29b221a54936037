using Fleet.Application.Import;
using Fleet.Web.Components.Shared;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;

namespace Fleet.Web.Components.Pages.Import;

/// <summary>
/// Validate-first CSV import: choosing a file runs a dry run that lists every error; only a clean file can be
/// committed, all or nothing.
/// </summary>
public partial class ImportPage
{
    private MudFileUpload<IBrowserFile>? _upload;
    private ImportMode _mode = ImportMode.Insert;
    private byte[]? _content;
    private string? _fileName;
    private ImportResult? _preview;
    private ImportResult? _committed;
    private string? _problem;
    private bool _busy;
    private string _busyText = "";

    [Inject]
    private LiveAnnouncer Announcer { get; set; } = default!;

    [Inject]
    private GpuImportService Importer { get; set; } = default!;

    [Inject]
    private ImportOptions Options { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    private string SizeText => _content is null ? "" : _content.Length < 1024
        ? $"{_content.Length.ToString(CultureInfo.InvariantCulture)} bytes"
        : $"{(_content.Length / 1024.0).ToString("N1", CultureInfo.InvariantCulture)} KiB";

    private async Task FileChosenAsync(IBrowserFile? file)
    {
        if (file is null)
        {
            return;
        }

        Reset();
        _fileName = file.Name;
        if (file.Size > Options.MaxBytes)
        {
            _problem = $"{file.Name} is {file.Size / (1024 * 1024)} MiB; the import limit is {Options.MaxBytes / (1024 * 1024)} MiB. Split the file.";
            return;
        }

        _busy = true;
        _busyText = $"Reading {file.Name}…";
        StateHasChanged();
        try
        {
            await using var stream = file.OpenReadStream(Options.MaxBytes);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer);
            _content = buffer.ToArray();
        }
        catch (IOException ex)
        {
            _problem = $"Could not read {file.Name}: {ex.Message}";
            _busy = false;
            return;
        }
        finally
        {
            // Forget the browser's selection so a corrected file (even with the same name) can be chosen next.
            if (_upload is not null)
            {
                await _upload.ClearAsync();
            }
        }

        await RunAsync(dryRun: true);
    }

    private async Task ModeChangedAsync(ImportMode mode)
    {
        _mode = mode;
        if (_content is not null && _committed is null)
        {
            await RunAsync(dryRun: true);
        }
    }

    private Task CommitAsync() => RunAsync(dryRun: false);

    private async Task RunAsync(bool dryRun)
    {
        _busy = true;
        _busyText = dryRun ? "Validating every row (dry run)…" : "Committing in one transaction…";
        _problem = null;
        StateHasChanged();
        try
        {
            var user = AuthenticationState is null ? null : (await AuthenticationState).User;
            var actor = user?.ToActor() ?? throw new ForbiddenException("Sign in to import.");
            using var stream = new MemoryStream(_content!, writable: false);
            var result = await Importer.ImportAsync(stream, _mode, dryRun, actor);
            if (!dryRun && result.Succeeded)
            {
                _committed = result;
            }
            else
            {
                // A commit that fails (someone imported the same serials meanwhile) shows its errors like a dry run.
                _preview = result;
            }
        }
        catch (DomainException ex)
        {
            _problem = ex.Message;
        }
        finally
        {
            _busy = false;
        }

        Announce();
    }

    private void Announce()
    {
        if (_problem is not null)
        {
            Announcer.Error(_problem);
        }
        else if (_committed is { } done)
        {
            Announcer.Status($"Imported: {done.Inserted} inserted, {done.Updated} updated.");
        }
        else if (_preview is { Succeeded: true } ok)
        {
            Announcer.Status($"The file is valid: committing would insert {ok.Inserted} and update {ok.Updated} GPUs.");
        }
        else if (_preview is { } bad)
        {
            Announcer.Error($"{bad.Errors.Count} {(bad.Errors.Count == 1 ? "problem" : "problems")} in the file; nothing was written.");
        }
    }

    private void Reset()
    {
        _content = null;
        _preview = null;
        _committed = null;
        _problem = null;
    }
}
