// A real OpenSubsonic client (subsonic-api from npm) against `soundalike serve`: token auth, browsing by
// tags, search, streaming (decoded back with ffmpeg), the sonicSimilarity extension and getSimilarSongs
// compared with the CLI's `similar --json` / `path --json`, playlists, a wrong password, form POST, XML,
// cover art (a folder's cover.jpg and a picture embedded in a song, as run-subsonic-test.sh makes them).
// Usage: node subsonic.test.mjs BASE_URL SOUNDALIKE_BINARY LIBRARY.db WORK_DIR
// Prints "N passed, M failed" and exits non-zero on any failure.
import { SubsonicAPI } from "subsonic-api";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, finish, step } from "./steps.mjs";

const [base, cli, db, work] = process.argv.slice(2);
if (!base || !cli || !db || !work) {
  console.error("usage: node subsonic.test.mjs BASE_URL SOUNDALIKE_BINARY LIBRARY.db WORK_DIR");
  process.exit(2);
}

function same(a, b, what) {
  expect(JSON.stringify(a) === JSON.stringify(b), `${what}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
}
function ok(r, what) {
  expect(r && r.status === "ok", `${what}: ${JSON.stringify(r && r.error)}`);
  return r;
}
function cliJson(args) { return JSON.parse(execFileSync(cli, [...args, "--db", db, "--json"], { encoding: "utf8" })); }

const user = { username: "alice", password: "open sesame" };
const api = new SubsonicAPI({ url: base, auth: user });
const poster = new SubsonicAPI({ url: base, auth: user, post: true });

// A tiny well-formedness check (no XML parser ships with Node): every tag closes in order.
function parseXml(text) {
  expect(text.startsWith("<?xml"), "no XML declaration");
  const stack = [];
  let root = null;
  for (const m of text.matchAll(/<(\/?)([A-Za-z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, close, name, attrs, selfClose] = m;
    if (close) { expect(stack.pop() === name, `</${name}> closes nothing open`); continue; }
    if (!root) root = { name, attrs: Object.fromEntries([...attrs.matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])) };
    if (!selfClose) stack.push(name);
  }
  expect(stack.length === 0, `unclosed: ${stack.join(",")}`);
  return root;
}
function tokenQuery(password = user.password) {
  const salt = Math.random().toString(36).slice(2, 10);
  const t = createHash("md5").update(password + salt).digest("hex");
  return `u=${user.username}&t=${t}&s=${salt}&v=1.16.1&c=soundalike-test`;
}

let songs = [];

await step("ping with token authentication is an OpenSubsonic answer", async () => {
  const r = ok(await api.ping(), "ping");
  expect(r.openSubsonic === true, "openSubsonic is not true");
  expect(r.type === "soundalike", `type ${r.type}`);
  expect(r.version === "1.16.1", `version ${r.version}`);
  expect(typeof r.serverVersion === "string" && r.serverVersion.length > 0, "no serverVersion");
});

await step("getOpenSubsonicExtensions lists sonicSimilarity and formPost", async () => {
  const r = ok(await api.getOpenSubsonicExtensions(), "extensions");
  const names = r.openSubsonicExtensions.map((e) => e.name);
  expect(names.includes("sonicSimilarity") && names.includes("formPost"), names.join(","));
});

await step("getArtists -> getArtist -> getAlbum reaches the songs", async () => {
  const artists = ok(await api.getArtists(), "getArtists").artists.index.flatMap((i) => i.artist);
  expect(artists.length === 3, `${artists.length} artists`);
  let albums = 0;
  for (const a of artists) {
    const artist = ok(await api.getArtist({ id: a.id }), "getArtist").artist;
    expect(artist.album.length === 2, `${artist.name}: ${artist.album.length} albums`);
    for (const al of artist.album) {
      const album = ok(await api.getAlbum({ id: al.id }), "getAlbum").album;
      expect(album.song.length === 3, `${album.name}: ${album.song.length} songs`);
      for (const s of album.song) expect(s.albumId === al.id && s.artistId === a.id, "ids of a song disagree with its album");
      songs.push(...album.song);
      albums++;
    }
  }
  expect(albums === 6 && songs.length === 18, `${albums} albums, ${songs.length} songs`);
});

await step("getAlbumList2, getRandomSongs and getGenres answer", async () => {
  const list = ok(await api.getAlbumList2({ type: "alphabeticalByName", size: 4 }), "getAlbumList2").albumList2.album;
  expect(list.length === 4, `${list.length} albums`);
  const names = list.map((a) => a.name.toLowerCase());
  same(names, [...names].sort(), "alphabetical order");
  expect(ok(await api.getRandomSongs({ size: 5 }), "getRandomSongs").randomSongs.song.length === 5, "random songs");
  ok(await api.getGenres(), "getGenres");
});

await step("search3 finds a song by a word of its title", async () => {
  const target = songs[4];
  const word = target.title.split(/\s+/).sort((a, b) => b.length - a.length)[0];
  const r = ok(await api.search3({ query: word, songCount: 50 }), "search3").searchResult3;
  expect((r.song || []).some((s) => s.id === target.id), `"${word}" does not find ${target.title}`);
  const all = ok(await api.search3({ query: "", songCount: 100 }), "search3 all").searchResult3;
  expect(all.song.length === 18, `an empty query lists ${all.song.length} songs`);
});

await step("stream returns the original file, which ffmpeg decodes", async () => {
  const s = songs[0];
  const res = await api.stream({ id: s.id });
  expect(res.ok, `HTTP ${res.status}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  expect(bytes.length === s.size, `${bytes.length} bytes, the song has ${s.size}`);
  const file = join(work, `streamed.${s.suffix}`);
  writeFileSync(file, bytes);
  const out = execFileSync("ffmpeg", ["-v", "error", "-i", file, "-f", "s16le", "-ac", "1", "-ar", "8000", "-"], { maxBuffer: 1 << 26 });
  const seconds = out.length / 2 / 8000;
  expect(Math.abs(seconds - s.duration) <= 1, `decoded ${seconds} s of a ${s.duration} s song`);
  const part = await fetch(`${base}/rest/stream.view?id=${s.id}&${tokenQuery()}`, { headers: { Range: "bytes=10-19" } });
  expect(part.status === 206, `a Range request got ${part.status}`);
  same([...Buffer.from(await part.arrayBuffer())], [...bytes.subarray(10, 20)], "ranged bytes");
});

await step("stream with format and maxBitRate transcodes; ffmpeg decodes it", async () => {
  const s = songs[1];
  for (const [format, codec, type] of [["mp3", "mp3", "audio/mpeg"], ["opus", "opus", "audio/ogg"]]) {
    const res = await api.stream({ id: s.id, format, maxBitRate: 64 });
    expect(res.ok, `${format}: HTTP ${res.status}`);
    expect(res.headers.get("content-type") === type, `${format}: Content-Type ${res.headers.get("content-type")}`);
    const file = join(work, `transcoded.${format}`);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const probe = execFileSync("ffprobe", ["-v", "error", "-select_streams", "a:0", "-show_entries", "stream=codec_name", "-of", "csv=p=0", file]).toString().trim();
    expect(probe === codec, `${format}: ffprobe says ${probe}`);
    const out = execFileSync("ffmpeg", ["-v", "error", "-i", file, "-f", "s16le", "-ac", "1", "-ar", "8000", "-"], { maxBuffer: 1 << 26 });
    const seconds = out.length / 2 / 8000;
    expect(Math.abs(seconds - s.duration) <= 1, `${format}: decoded ${seconds} s of a ${s.duration} s song`);
  }
});

await step("getSonicSimilarTracks equals `similar --json`, distances in [0, 1]", async () => {
  const s = songs[7];
  const r = ok(await api.customJSON("getSonicSimilarTracks", { id: s.id, count: 5 }), "getSonicSimilarTracks");
  const matches = r.sonicSimilarTracksResult.sonicMatch;
  const expected = cliJson(["similar", s.id, "-k", "5"]).results.map((x) => String(x.id));
  same(matches.map((m) => m.id), expected, "neighbours");
  for (let i = 0; i < matches.length; i++) {
    expect(matches[i].distance >= 0 && matches[i].distance <= 1, `distance ${matches[i].distance}`);
    if (i) expect(matches[i].distance >= matches[i - 1].distance, "distances not in order");
    expect(matches[i].title && matches[i].albumId, "a sonicMatch is a Child");
  }
});

await step("getSimilarSongs equals `similar --json`", async () => {
  const s = songs[12];
  const r = ok(await api.getSimilarSongs({ id: s.id, count: 6 }), "getSimilarSongs");
  const expected = cliJson(["similar", s.id, "-k", "6"]).results.map((x) => String(x.id));
  same(r.similarSongs.song.map((x) => x.id), expected, "neighbours");
  const byArtist = ok(await api.getSimilarSongs2({ id: s.artistId, count: 4 }), "getSimilarSongs2").similarSongs2.song;
  expect(byArtist.length === 4, `${byArtist.length} neighbours of the artist`);
});

await step("findSonicPath goes from A to B as `path --json` does", async () => {
  const a = songs[0], b = songs[17];
  const r = ok(await api.customJSON("findSonicPath", { startSongId: a.id, endSongId: b.id, count: 6 }), "findSonicPath");
  const path = r.findSonicPathResult.sonicMatch;
  expect(path[0].id === a.id && path[path.length - 1].id === b.id, "the path does not run from A to B");
  same(path.map((m) => m.id), cliJson(["path", a.id, b.id, "--steps", "4"]).results.map((x) => String(x.id)), "path");
  expect(path[0].distance === 0, `the start is ${path[0].distance} from itself`);
  for (const m of path.slice(1)) expect(m.distance > 0 && m.distance <= 1, `distance from the start ${m.distance}`);
  // The end's distance from the start is what getSonicSimilarTracks would say of it.
  const near = ok(await api.customJSON("getSonicSimilarTracks", { id: a.id, count: 17 }), "similar").sonicSimilarTracksResult.sonicMatch;
  const end = near.find((m) => m.id === b.id);
  expect(!end || Math.abs(end.distance - path[path.length - 1].distance) < 1e-6,
         `B is ${path[path.length - 1].distance} from A on the path, ${end && end.distance} as a neighbour`);
});

await step("a playlist made of similar songs reads back", async () => {
  const s = songs[3];
  const similar = ok(await api.getSimilarSongs({ id: s.id, count: 4 }), "similar").similarSongs.song.map((x) => x.id);
  const ids = [s.id, ...similar];
  const created = ok(await api.createPlaylist({ name: "Sounds like " + s.title, songId: ids }), "createPlaylist").playlist;
  const listed = ok(await api.getPlaylists(), "getPlaylists").playlists.playlist;
  expect(listed.some((p) => p.id === created.id && p.songCount === ids.length), "not listed");
  const back = ok(await api.getPlaylist({ id: created.id }), "getPlaylist").playlist;
  same(back.entry.map((e) => e.id), ids, "playlist entries");
  ok(await api.updatePlaylist({ playlistId: created.id, songIndexToRemove: [0] }), "updatePlaylist");
  same(ok(await api.getPlaylist({ id: created.id }), "getPlaylist").playlist.entry.map((e) => e.id), similar, "after removing the seed");
  ok(await api.deletePlaylist({ id: created.id }), "deletePlaylist");
});

await step("a wrong password is error 40", async () => {
  const wrong = new SubsonicAPI({ url: base, auth: { username: "alice", password: "open sesamee" } });
  const r = await wrong.ping();
  expect(r.status === "failed" && r.error.code === 40, JSON.stringify(r));
  const res = await wrong.stream({ id: songs[0].id });
  const body = await res.text();
  expect(body.includes("\"code\":40"), "stream without the right password: " + body.slice(0, 200));
});

await step("form POST answers as GET does", async () => {
  const r = ok(await poster.getArtists(), "POST getArtists");
  same(r.artists, ok(await api.getArtists(), "GET getArtists").artists, "artists");
});

await step("f=xml answers parse", async () => {
  for (const [endpoint, query] of [["ping", ""], ["getArtists", ""], ["getAlbum", `id=${songs[0].albumId}`],
                                   ["getSonicSimilarTracks", `id=${songs[1].id}&count=3`]]) {
    const res = await fetch(`${base}/rest/${endpoint}.view?${tokenQuery()}&f=xml&${query}`);
    const text = await res.text();
    const root = parseXml(text);
    expect(root.name === "subsonic-response" && root.attrs.status === "ok", `${endpoint}: ${text.slice(0, 300)}`);
    expect(root.attrs.openSubsonic === "true" && root.attrs.version === "1.16.1", `${endpoint} envelope`);
  }
  const wrong = await (await fetch(`${base}/rest/ping.view?${tokenQuery("nope")}`)).text();
  expect(/<error code="40"/.test(wrong) && parseXml(wrong).attrs.status === "failed", wrong);
});

// Width and height from a PNG's IHDR or a JPEG's start-of-frame marker: no image library ships with Node.
function imageSize(bytes) {
  if (bytes[0] === 0x89 && bytes.toString("latin1", 1, 4) === "PNG") return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
  expect(bytes[0] === 0xff && bytes[1] === 0xd8, "neither PNG nor JPEG");
  for (let i = 2; i + 9 < bytes.length;) {
    if (bytes[i] !== 0xff) { i++; continue; }
    const marker = bytes[i + 1];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return [bytes.readUInt16BE(i + 7), bytes.readUInt16BE(i + 5)];
    i += 2 + bytes.readUInt16BE(i + 2);
  }
  expect(false, "a JPEG without a frame header");
}
async function coverArt(args) {
  const res = await api.getCoverArt(args);
  expect(res.ok, `HTTP ${res.status}`);
  const type = res.headers.get("content-type") || "";
  const bytes = Buffer.from(await res.arrayBuffer());
  return type.startsWith("image/") ? { type, bytes, size: imageSize(bytes) } : { error: JSON.parse(bytes)["subsonic-response"].error };
}

await step("getCoverArt: a folder's cover, an embedded picture, scaled to a JPEG on request, 70 without art", async () => {
  const albumIds = [...new Set(songs.map((s) => s.albumId))];
  expect(songs.every((s) => s.coverArt === s.id), "a song's coverArt is not its id");
  const byAlbum = new Map();
  for (const id of albumIds) byAlbum.set(id, await coverArt({ id }));
  const withArt = albumIds.filter((id) => !byAlbum.get(id).error);
  expect(withArt.length === 2, `${withArt.length} albums with art`);
  for (const id of albumIds.filter((id) => byAlbum.get(id).error))
    expect(byAlbum.get(id).error.code === 70, `album ${id}: ${JSON.stringify(byAlbum.get(id).error)}`);

  const folder = withArt.find((id) => byAlbum.get(id).type === "image/jpeg");
  const embedded = withArt.find((id) => byAlbum.get(id).type === "image/png");
  expect(folder && embedded, withArt.map((id) => byAlbum.get(id).type).join(","));
  same(byAlbum.get(folder).size, [400, 300], "the folder's cover");
  same(byAlbum.get(embedded).size, [64, 64], "the embedded picture");
  const album = ok(await api.getAlbum({ id: folder }), "getAlbum").album;
  expect(album.coverArt === folder, `the album's coverArt is ${album.coverArt}`);
  for (const s of songs.filter((x) => x.albumId === folder))
    expect((await coverArt({ id: s.id })).bytes.equals(byAlbum.get(folder).bytes), "a song of the folder has other art");
  const thumb = await coverArt({ id: folder, size: 100 });
  expect(thumb.type === "image/jpeg", thumb.type);
  same(thumb.size, [100, 75], "scaled to fit 100x100");

  const inAlbum = songs.filter((x) => x.albumId === embedded);
  const arts = await Promise.all(inAlbum.map((s) => coverArt({ id: s.id })));
  expect(arts.filter((a) => !a.error).length === 1, "one song of the album holds a picture");
  const small = await coverArt({ id: embedded, size: 32 });
  expect(small.type === "image/jpeg", small.type);
  same(small.size, [32, 32], "scaled to fit 32x32");
  expect((await coverArt({ id: embedded, size: 500 })).bytes.equals(byAlbum.get(embedded).bytes), "a picture that fits is sent as it is");
});

finish();
